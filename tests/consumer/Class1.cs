// The .NET Framework library (an add-in's shape): uses OlState.
namespace AddIn
{
    public static class Watcher
    {
        public static string Describe() => typeof(OlState.OlStateSession).Assembly.GetName().Name;
    }
}
