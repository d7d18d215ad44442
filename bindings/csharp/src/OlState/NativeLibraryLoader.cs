using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace OlState
{
    /// <summary>
    /// Finds and loads the native olstate library by full path, never through
    /// the current directory.
    /// </summary>
    /// <remarks>
    /// Two ways to say where it is, and a set one must be right (a wrong one is an
    /// error, not skipped): <see cref="LibraryPath"/>, or the environment
    /// variables OLSTATE_LIBRARY_PATH (the file) / OLSTATE_LIBRARY_DIR (its
    /// folder). Without them: next to this assembly's original location (VSTO
    /// add-ins are shadow-copied, so CodeBase, not Location); its
    /// x64\ or x86\ subfolder, by the process's bitness (IntPtr.Size), where
    /// the package's .NET Framework targets put them; runtimes/&lt;rid&gt;/native
    /// below it; then, on .NET, the runtime's own search by name (the
    /// application's dependencies, then the system's library folders). When
    /// all fail, a <see cref="DllNotFoundException"/> lists every place tried.
    /// </remarks>
    public static class OlStateNative
    {
        private static readonly object Gate = new object();
        private static string? _explicitPath;
        private static string? _loadedPath;
        private static IntPtr _handle, _simHandle;
        private static bool _loaded;

        /// <summary>
        /// A full path to the native library to use (olstate.dll /
        /// libolstate.so). Set it before the first use of olstate; the simulator
        /// is then looked for next to that file. A path that does not exist
        /// makes the first use throw <see cref="DllNotFoundException"/>.
        /// </summary>
        public static string? LibraryPath
        {
            get { lock (Gate) return _explicitPath; }
            set
            {
                lock (Gate)
                {
                    if (_loaded && value != null && !string.Equals(Path.GetFullPath(value), _loadedPath, StringComparison.Ordinal))
                        throw new InvalidOperationException("the olstate native library is already loaded from " + (_loadedPath ?? "the system's library search"));
                    _explicitPath = value;
                }
            }
        }

        /// <summary>The full path of the native library in use, once loaded
        /// by path (null before, or when the runtime found it by name).</summary>
        public static string? LoadedPath { get { lock (Gate) return _loadedPath; } }

        internal const string SimulatorLibrary = "olstate_sim";

        internal static string FileName => NativeFileName("olstate");

        private static string NativeFileName(string name) =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? name + ".dll"
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "lib" + name + ".dylib" : "lib" + name + ".so";

        /// <summary>Loads the library (once) before the first P/Invoke; throws
        /// <see cref="DllNotFoundException"/> naming every place tried.</summary>
        internal static void EnsureLoaded()
        {
            lock (Gate)
            {
                if (_loaded) return;
                var tried = new List<string>();
                var explicitPath = ExplicitCandidate(tried);
                if (explicitPath != null)
                {
                    Load(explicitPath);
                }
                else if (!Probe(tried))
                {
                    throw new DllNotFoundException(NotFoundMessage(tried));
                }
                _loaded = true;
            }
        }

        /// <summary>Loads the simulator that olstate itself loads (the file
        /// next to the olstate library), so the process holds one simulator.</summary>
        internal static void EnsureSimulatorLoaded()
        {
            EnsureLoaded();
            lock (Gate)
            {
                if (_simHandle != IntPtr.Zero) return;
                if (_loadedPath == null)
                {
                    _simHandle = TryLoadByName(SimulatorLibrary);
                    if (_simHandle == IntPtr.Zero)
                        throw new DllNotFoundException("olstate: the simulator (" + NativeFileName(SimulatorLibrary) + ") was not found by the system's library search, where olstate was found");
                    return;
                }
                var path = Path.Combine(Path.GetDirectoryName(_loadedPath)!, NativeFileName(SimulatorLibrary));
                if (!File.Exists(path))
                    throw new DllNotFoundException("olstate: the simulator is not next to the olstate library: " + path + " does not exist");
                _simHandle = LoadFile(path);
            }
        }

        // The explicit ways, in order; a way that is set but wrong is an
        // error: silently using another library would hide the mistake.
        private static string? ExplicitCandidate(List<string> tried)
        {
            if (_explicitPath != null)
                return Existing(_explicitPath, "OlStateNative.LibraryPath");
            var envPath = Environment.GetEnvironmentVariable("OLSTATE_LIBRARY_PATH");
            if (!string.IsNullOrEmpty(envPath))
                return Existing(envPath!, "OLSTATE_LIBRARY_PATH");
            var envDir = Environment.GetEnvironmentVariable("OLSTATE_LIBRARY_DIR");
            if (!string.IsNullOrEmpty(envDir))
                return Existing(Path.Combine(envDir!, FileName), "OLSTATE_LIBRARY_DIR");
            tried.Add("OlStateNative.LibraryPath, OLSTATE_LIBRARY_PATH, OLSTATE_LIBRARY_DIR: not set");
            return null;
        }

        private static string Existing(string path, string setting)
        {
            var full = Path.GetFullPath(path);
            if (!File.Exists(full))
                throw new DllNotFoundException("olstate: " + setting + " points at " + full + ", which does not exist. " + HowToPoint);
            return full;
        }

        private static bool Probe(List<string> tried)
        {
            var dir = AssemblyDirectory();
            if (dir != null)
            {
                // x64\ and x86\: where the package's .NET Framework targets put
                // the natives of an AnyCPU build; the process's bitness picks.
                var places = new List<string>
                {
                    Path.Combine(dir, FileName),
                    Path.Combine(dir, IntPtr.Size == 8 ? "x64" : "x86", FileName),
                    Path.Combine(dir, "runtimes", RuntimeId(), "native", FileName),
                };
                foreach (var place in places)
                {
                    if (File.Exists(place)) { Load(place); return true; }
                    tried.Add(place + ": no such file");
                }
            }
            var handle = TryLoadByName("olstate");
            if (handle != IntPtr.Zero)
            {
                _handle = handle;
                InstallResolver();
                return true;
            }
            tried.Add(HasNativeLibraryApi ? "the runtime's search for \"olstate\" (the application's dependencies, the system's library folders): not found"
                                          : "the runtime's search by name: not available on this runtime");
            return false;
        }

        private const string HowToPoint =
            "Point olstate at the library in one of two ways: set OlStateNative.LibraryPath to its full path before the first use, " +
            "or set the environment variable OLSTATE_LIBRARY_DIR to the folder that holds it (OLSTATE_LIBRARY_PATH to the file).";

        private static string NotFoundMessage(List<string> tried) =>
            "olstate: the native library " + FileName + " (" + RuntimeId() + ") was not found. Tried:" + Environment.NewLine +
            "  - " + string.Join(Environment.NewLine + "  - ", tried) + Environment.NewLine + HowToPoint;

        private static void Load(string path)
        {
            _handle = LoadFile(path);
            _loadedPath = path;
            InstallResolver();
        }

        private static string RuntimeId()
        {
            string os = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "win"
                : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "osx" : "linux";
            string arch = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X86 => "x86",
                Architecture.Arm64 => "arm64",
                Architecture.Arm => "arm",
                _ => "x64",
            };
            return os + "-" + arch;
        }

        // The folder the assembly was originally loaded from: a shadow-copied
        // assembly (VSTO) has its Location in a cache, its CodeBase at home.
        private static string? AssemblyDirectory()
        {
            var asm = typeof(OlStateNative).Assembly;
#pragma warning disable SYSLIB0012 // CodeBase is exactly what shadow copying needs
            try
            {
                var codeBase = asm.CodeBase;
                if (!string.IsNullOrEmpty(codeBase))
                {
                    var uri = new Uri(codeBase!);
                    if (uri.IsFile) return Path.GetDirectoryName(uri.LocalPath);
                }
            }
            catch (NotSupportedException) { }
#pragma warning restore SYSLIB0012
            return string.IsNullOrEmpty(asm.Location) ? AppContext.BaseDirectory : Path.GetDirectoryName(asm.Location);
        }

        // DllImport names resolve to the handles loaded here; the simulator
        // is loaded on first use only (the Testing.Simulator API).
        private static IntPtr Resolve(string name)
        {
            if (name == Interop.NativeMethods.Library) return _handle;
            if (name != SimulatorLibrary) return IntPtr.Zero;
            EnsureSimulatorLoaded();
            return _simHandle;
        }

#if NET7_0_OR_GREATER
        private static bool HasNativeLibraryApi => true;

        private static IntPtr LoadFile(string path) => NativeLibrary.Load(path);

        private static IntPtr TryLoadByName(string name) =>
            NativeLibrary.TryLoad(name, typeof(OlStateNative).Assembly, DllImportSearchPath.SafeDirectories, out var handle) ? handle : IntPtr.Zero;

        private static bool _resolverInstalled;

        private static void InstallResolver()
        {
            if (_resolverInstalled) return;
            NativeLibrary.SetDllImportResolver(typeof(OlStateNative).Assembly, (name, _, _) => Resolve(name));
            _resolverInstalled = true;
        }
#else
        // The netstandard2.0 build. On .NET (Core) the NativeLibrary API exists
        // at run time: reach it by reflection. On .NET Framework (Windows) a
        // module already loaded by full path is what DllImport binds to.
        private static readonly Type? NativeLibraryType =
            Type.GetType("System.Runtime.InteropServices.NativeLibrary, System.Runtime.InteropServices", false)
            ?? typeof(object).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary", false);

        private static bool HasNativeLibraryApi => NativeLibraryType != null;

        private static IntPtr LoadFile(string path)
        {
            if (NativeLibraryType != null)
                return (IntPtr)NativeLibraryType.GetMethod("Load", new[] { typeof(string) })!.Invoke(null, new object[] { path })!;
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                var handle = LoadLibraryExW(path, IntPtr.Zero, LoadLibrarySearchDllLoadDir | LoadLibrarySearchSystem32);
                if (handle == IntPtr.Zero)
                    throw new DllNotFoundException("olstate: cannot load " + path + " (Windows error " + Marshal.GetLastWin32Error() + "; a 32-bit process needs the x86 library, a 64-bit one the x64 library)");
                return handle;
            }
            // Mono elsewhere: DllImport finds the library by its own rules.
            return IntPtr.Zero;
        }

        private static IntPtr TryLoadByName(string name)
        {
            var tryLoad = NativeLibraryType?.GetMethod("TryLoad", new[] { typeof(string), typeof(Assembly), typeof(DllImportSearchPath?), typeof(IntPtr).MakeByRefType() });
            if (tryLoad == null) return IntPtr.Zero;
            var args = new object?[] { name, typeof(OlStateNative).Assembly, (DllImportSearchPath?)DllImportSearchPath.SafeDirectories, IntPtr.Zero };
            return (bool)tryLoad.Invoke(null, args)! ? (IntPtr)args[3]! : IntPtr.Zero;
        }

        private static bool _resolverInstalled;

        private static void InstallResolver()
        {
            if (_resolverInstalled || NativeLibraryType == null) return;
            var resolverType = NativeLibraryType.Assembly.GetType("System.Runtime.InteropServices.DllImportResolver", false);
            var set = NativeLibraryType.GetMethod("SetDllImportResolver");
            if (resolverType == null || set == null) return;
            var resolver = Delegate.CreateDelegate(resolverType, typeof(OlStateNative).GetMethod(nameof(ResolveForReflection), BindingFlags.NonPublic | BindingFlags.Static)!);
            set.Invoke(null, new object[] { typeof(OlStateNative).Assembly, resolver });
            _resolverInstalled = true;
        }

        private static IntPtr ResolveForReflection(string name, Assembly assembly, DllImportSearchPath? searchPath) => Resolve(name);

        private const uint LoadLibrarySearchDllLoadDir = 0x100, LoadLibrarySearchSystem32 = 0x800;

        [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern IntPtr LoadLibraryExW(string path, IntPtr file, uint flags);
#endif
    }
}
