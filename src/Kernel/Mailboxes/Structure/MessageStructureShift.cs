using Kernel.Abstractions;

namespace Kernel.Mailboxes.Structure;

/// <summary>
/// The structure of prefix + body from the cached structure of the body alone (<c>message_structures</c> is one row per
/// body file, shared by every mailbox that holds it; 012_message_prefix.sql). A prefix is whole header fields, so it
/// joins the top header: a range that starts at 0 (the message header, the top part's header) keeps its start and
/// grows by the prefix; every other offset moves by it. Part sizes, lines and the ENVELOPE do not change.
/// </summary>
internal static class MessageStructureShift
{
    public static MessageStructure Shift(MessageStructure structure, long prefix) => prefix == 0 ? structure : Message(structure, prefix);

    private static MessageStructure Message(MessageStructure m, long prefix) => m with
    {
        Offset = Start(m.Offset, prefix),
        HeaderLength = Length(m.Offset, m.HeaderLength, prefix),
        Size = Length(m.Offset, m.Size, prefix),
        Body = Part(m.Body, prefix),
    };

    private static MessagePartStructure Part(MessagePartStructure part, long prefix) => part with
    {
        HeaderOffset = Start(part.HeaderOffset, prefix),
        HeaderLength = Length(part.HeaderOffset, part.HeaderLength, prefix),
        BodyOffset = part.BodyOffset + prefix,
        Children = part.Children.Count == 0 ? part.Children : part.Children.Select(c => Part(c, prefix)).ToList(),
        Embedded = part.Embedded is { } embedded ? Message(embedded, prefix) : null,
    };

    private static long Start(long offset, long prefix) => offset == 0 ? 0 : offset + prefix;

    private static long Length(long offset, long length, long prefix) => offset == 0 ? length + prefix : length;
}
