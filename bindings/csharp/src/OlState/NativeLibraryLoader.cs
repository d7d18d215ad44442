using System;
using System.Collections.Generic;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace OlState
{
    /// <summary>
    /// Finds and loads the native olstate library by full path, never through
    /// the current directory. Order: <see cref="LibraryPath"/>, the
    /// OLSTATE_LIBRARY_PATH (a file) or OLSTATE_LIBRARY_DIR (a folder)
    /// environment variables, next to this assembly's original location
    /// (VSTO add-ins are shadow-copied, so CodeBase, not Location), then
    /// runtimes/&lt;rid&gt;/native below it, chosen by the process's bitness.
    /// </summary>
    public static class OlStateNative
    {
        private static readonly object Gate = new object();
        private static string? _explicitPath;
        private static string? _loadedPath;
        private static bool _installed;

        /// <summary>
        /// A full path to the native library to use (olstate.dll /
        /// libolstate.so). Set it before the first use of olstate; the simulator
        /// is then looked for next to that file.
        /// </summary>
        public static string? LibraryPath
        {
            get { lock (Gate) return _explicitPath; }
            set
            {
                lock (Gate)
                {
                    if (_loadedPath != null && value != null && !string.Equals(Path.GetFullPath(value), _loadedPath, StringComparison.Ordinal))
                        throw new InvalidOperationException("the olstate native library is already loaded from " + _loadedPath);
                    _explicitPath = value;
                }
            }
        }

        /// <summary>The full path of the native library in use, once loaded.</summary>
        public static string? LoadedPath { get { lock (Gate) return _loadedPath; } }

        internal static string FileName =>
            RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? "olstate.dll"
            : RuntimeInformation.IsOSPlatform(OSPlatform.OSX) ? "libolstate.dylib" : "libolstate.so";

        /// <summary>Installs the resolver (or preloads) before the first P/Invoke.</summary>
        internal static void EnsureLoaded()
        {
            lock (Gate)
            {
                if (_installed) return;
                _installed = true;
                var candidates = Candidates();
                string? found = null;
                foreach (var c in candidates)
                {
                    if (File.Exists(c)) { found = Path.GetFullPath(c); break; }
                }
                if (found == null)
                {
                    // Leave it to the runtime's own probing (e.g. an installed library).
                    return;
                }
                _loadedPath = found;
                Install(found);
            }
        }

        private static List<string> Candidates()
        {
            var list = new List<string>();
            if (_explicitPath != null) list.Add(_explicitPath);
            var envPath = Environment.GetEnvironmentVariable("OLSTATE_LIBRARY_PATH");
            if (!string.IsNullOrEmpty(envPath)) list.Add(envPath!);
            var envDir = Environment.GetEnvironmentVariable("OLSTATE_LIBRARY_DIR");
            if (!string.IsNullOrEmpty(envDir)) list.Add(Path.Combine(envDir!, FileName));
            var dir = AssemblyDirectory();
            if (dir != null)
            {
                list.Add(Path.Combine(dir, FileName));
                list.Add(Path.Combine(dir, "runtimes", RuntimeId(), "native", FileName));
            }
            return list;
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

#if NET7_0_OR_GREATER
        private static void Install(string path)
        {
            var handle = NativeLibrary.Load(path);
            NativeLibrary.SetDllImportResolver(typeof(OlStateNative).Assembly, (name, _, _) =>
                name == Interop.NativeMethods.Library ? handle : IntPtr.Zero);
        }
#else
        private static void Install(string path)
        {
            // .NET Framework on Windows: a module already loaded by full path
            // is what DllImport("olstate") binds to.
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
            {
                if (LoadLibraryExW(path, IntPtr.Zero, LoadLibrarySearchDllLoadDir | LoadLibrarySearchSystem32) == IntPtr.Zero)
                    throw new DllNotFoundException("cannot load " + path + " (Windows error " + Marshal.GetLastWin32Error() + ")");
            }
            // The netstandard2.0 build running on .NET Core/.NET 5+: the
            // resolver API exists at run time, reach it by reflection.
            var nativeLibrary = Type.GetType("System.Runtime.InteropServices.NativeLibrary, System.Runtime.InteropServices", false)
                ?? typeof(object).Assembly.GetType("System.Runtime.InteropServices.NativeLibrary", false);
            if (nativeLibrary == null) return;
            var load = nativeLibrary.GetMethod("Load", new[] { typeof(string) });
            var resolverType = nativeLibrary.Assembly.GetType("System.Runtime.InteropServices.DllImportResolver", false);
            var set = nativeLibrary.GetMethod("SetDllImportResolver");
            if (load == null || resolverType == null || set == null) return;
            _resolvedHandle = (IntPtr)load.Invoke(null, new object[] { path })!;
            var resolver = Delegate.CreateDelegate(resolverType, typeof(OlStateNative).GetMethod(nameof(Resolve), BindingFlags.NonPublic | BindingFlags.Static)!);
            set.Invoke(null, new object[] { typeof(OlStateNative).Assembly, resolver });
        }

        private static IntPtr _resolvedHandle;

        private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
            name == Interop.NativeMethods.Library ? _resolvedHandle : IntPtr.Zero;

        private const uint LoadLibrarySearchDllLoadDir = 0x100, LoadLibrarySearchSystem32 = 0x800;

        [DllImport("kernel32", CharSet = CharSet.Unicode, SetLastError = true)]
        private static extern IntPtr LoadLibraryExW(string path, IntPtr file, uint flags);
#endif
    }
}
