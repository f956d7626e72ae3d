using Imap.Protocol;
using Kernel.Abstractions;

namespace Imap.Session;

/// <summary>ENVELOPE, BODY and BODYSTRUCTURE (RFC 3501 §7.4.2) from the store's cached <see cref="MessageStructure"/>.</summary>
internal static class StructureWriter
{
    public static void Envelope(ResponseWriter w, MessageEnvelope e)
    {
        w.Raw("(").NString(e.Date).Sp().NString(e.Subject).Sp();
        Addresses(w, e.From); w.Sp();
        Addresses(w, e.Sender); w.Sp();
        Addresses(w, e.ReplyTo); w.Sp();
        Addresses(w, e.To); w.Sp();
        Addresses(w, e.Cc); w.Sp();
        Addresses(w, e.Bcc); w.Sp();
        w.NString(e.InReplyTo).Sp().NString(e.MessageId).Raw(")");
    }

    private static void Addresses(ResponseWriter w, IReadOnlyList<MessageAddress> list)
    {
        if (list.Count == 0)
        {
            w.Raw("NIL");
            return;
        }
        w.Raw("(");
        foreach (var a in list)
        {
            w.Raw("(").NString(EncodeName(a.Name)).Sp().NString(a.Route).Sp().NString(a.Mailbox).Sp().NString(a.Host).Raw(")");
        }
        w.Raw(")");
    }

    /// <summary>The store decodes display names; a client without UTF-8 support gets RFC 2047 encoded words again.</summary>
    private static string? EncodeName(string? name)
    {
        if (name is null) return null;
        foreach (var c in name)
        {
            if (c is < ' ' or > '~') return System.Text.Encoding.ASCII.GetString(MimeKit.Utils.Rfc2047.EncodePhrase(System.Text.Encoding.UTF8, name));
        }
        return name;
    }

    public static void Body(ResponseWriter w, MessagePartStructure part, bool extended)
    {
        if (part.Type.Equals("multipart", StringComparison.OrdinalIgnoreCase))
        {
            w.Raw("(");
            if (part.Children.Count == 0) w.Raw("(\"text\" \"plain\" NIL NIL NIL \"7bit\" 0 0)");
            foreach (var child in part.Children) Body(w, child, extended);
            w.Sp().String(part.Subtype);
            if (extended)
            {
                w.Sp();
                Parameters(w, part.Parameters);
                w.Sp();
                Extension(w, part);
            }
            w.Raw(")");
            return;
        }
        w.Raw("(").String(part.Type).Sp().String(part.Subtype).Sp();
        Parameters(w, part.Parameters);
        w.Sp().NString(part.Id).Sp().NString(part.Description).Sp().String(part.TransferEncoding).Sp().Number(part.Size);
        if (part.Embedded is { } embedded && part.Type.Equals("message", StringComparison.OrdinalIgnoreCase))
        {
            w.Sp();
            Envelope(w, embedded.Envelope);
            w.Sp();
            Body(w, embedded.Body, extended);
            w.Sp().Number(part.Lines ?? 0);
        }
        else if (part.Type.Equals("text", StringComparison.OrdinalIgnoreCase))
        {
            w.Sp().Number(part.Lines ?? 0);
        }
        if (extended)
        {
            w.Sp().NString(part.Md5).Sp();
            Extension(w, part);
        }
        w.Raw(")");
    }

    /// <summary>body-fld-dsp SP body-fld-lang SP body-fld-loc.</summary>
    private static void Extension(ResponseWriter w, MessagePartStructure part)
    {
        if (part.Disposition is null) w.Raw("NIL");
        else
        {
            w.Raw("(").String(part.Disposition).Sp();
            Parameters(w, part.DispositionParameters);
            w.Raw(")");
        }
        w.Sp();
        if (part.Language.Count == 0) w.Raw("NIL");
        else
        {
            w.Raw("(");
            for (var i = 0; i < part.Language.Count; i++)
            {
                if (i > 0) w.Sp();
                w.String(part.Language[i]);
            }
            w.Raw(")");
        }
        w.Sp().NString(part.Location);
    }

    private static void Parameters(ResponseWriter w, IReadOnlyList<MessageParameter> parameters)
    {
        if (parameters.Count == 0)
        {
            w.Raw("NIL");
            return;
        }
        w.Raw("(");
        for (var i = 0; i < parameters.Count; i++)
        {
            if (i > 0) w.Sp();
            w.String(parameters[i].Name).Sp().String(parameters[i].Value);
        }
        w.Raw(")");
    }
}
