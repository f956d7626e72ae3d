namespace Router;

/// <summary>Where the Router keeps its table: one document in the kernel's configuration store.</summary>
public static class RouterDocument
{
    public const string Name = "router.table";
}
