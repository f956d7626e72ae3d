namespace Rules;

/// <summary>How a condition's data is obtained and compared (rules.md §4, §5).</summary>
internal enum DataKind
{
    FirstAddress,      // From, Sender, Reply-To: the first address of the field
    AllAddresses,      // To, Cc: several values, some/none
    AnyToCc,
    EachToCc,
    ReturnPath,
    AnyRecipient,
    EachRecipient,
    FromName,
    DecodedHeader,     // Subject, Message-ID
    HeaderField,       // "Name: picture"
    MessageSize,
    HumanGenerated,
    TimeOfDay,
    CurrentDate,
    CurrentDay,
    Source,
    SubmitAddress,
    Security,
    ExistingMailbox,
    Preference,
}
