using System;
using System.Runtime.InteropServices;

namespace OlState
{
    /// <summary>Which Outlook the user works with (<see cref="OutlookDetection.Verdict"/>;
    /// OLSTATE_OUTLOOK_* in olstate.h).</summary>
    public enum OutlookKind
    {
        /// <summary>Neither classic nor the new Outlook is installed or running (always outside Windows).</summary>
        None = 0,
        /// <summary>Classic Outlook (OUTLOOK.EXE): olstate can serve it.</summary>
        Classic = 1,
        /// <summary>The new Outlook (olk.exe): no add-ins, MAPI or object model; olstate cannot serve it.</summary>
        New = 2,
        /// <summary>Both run now; olstate serves the classic one only.</summary>
        Both = 3,
    }

    /// <summary>
    /// Which Outlook this user has, read from the registry and the process list
    /// without opening a session (olstate_detect_outlook, ABI 1.3). Tell a user
    /// "the new Outlook is not supported" when <see cref="Verdict"/> is
    /// <see cref="OutlookKind.New"/> instead of failing later.
    /// </summary>
    public sealed class OutlookDetection
    {
        /// <summary>The summary of the facts below.</summary>
        public OutlookKind Verdict { get; }
        /// <summary>Classic Outlook's registration was found.</summary>
        public bool ClassicInstalled { get; }
        /// <summary>32 or 64; 0 when unknown or not installed.</summary>
        public int ClassicBitness { get; }
        /// <summary>Installed by Click-to-Run (Microsoft 365) rather than MSI.</summary>
        public bool ClassicClickToRun { get; }
        /// <summary>The Office version key, e.g. "16.0"; empty when not installed.</summary>
        public string ClassicVersion { get; }
        /// <summary>An OUTLOOK.EXE runs in this Windows session.</summary>
        public bool ClassicRunning { get; }
        /// <summary>An olk.exe (the new Outlook) runs in this Windows session.</summary>
        public bool NewRunning { get; }
        /// <summary>The user's "New Outlook" toggle is on.</summary>
        public bool NewSelected { get; }

        private OutlookDetection(in Interop.OutlookInfo i, string version)
        {
            Verdict = (OutlookKind)i.Verdict;
            ClassicInstalled = i.ClassicInstalled != 0;
            ClassicBitness = (int)i.ClassicBitness;
            ClassicClickToRun = i.ClassicClickToRun != 0;
            ClassicVersion = version;
            ClassicRunning = i.ClassicRunning != 0;
            NewRunning = i.NewRunning != 0;
            NewSelected = i.NewSelected != 0;
        }

        /// <summary>Reads the facts now (a few milliseconds). Thread-safe.</summary>
        /// <exception cref="OlStateException">The library is older than ABI 1.3
        /// (<see cref="ResultCode.IncompatibleLibrary"/>), or the call failed.</exception>
        public static unsafe OutlookDetection Detect()
        {
            OlStateNative.EnsureLoaded();
            uint have = Interop.NativeMethods.olstate_abi_version();
            if (have >> 16 != 1 || (have & 0xFFFF) < 3)
                throw new OlStateException(ResultCode.IncompatibleLibrary,
                    $"olstate_detect_outlook needs an olstate library of ABI 1.3 or a later 1.x; this one has {have >> 16}.{have & 0xFFFF}", 0);
            var info = new Interop.OutlookInfo { StructSize = (uint)sizeof(Interop.OutlookInfo) };
            int r = Interop.NativeMethods.olstate_detect_outlook(&info);
            if (r != 0) throw OlStateSession.Failure(r);
            return new OutlookDetection(info, Interop.NativeMethods.FromUtf8(info.ClassicVersion));
        }

        /// <inheritdoc/>
        public override string ToString() =>
            $"{Verdict} (classic installed: {ClassicInstalled}, {ClassicVersion}, {ClassicBitness}-bit, click-to-run: {ClassicClickToRun}; " +
            $"classic running: {ClassicRunning}; new running: {NewRunning}; new selected: {NewSelected})";
    }
}

namespace OlState.Interop
{
    /// <summary>The olstate_outlook_info struct (olstate.h, since 1.3).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct OutlookInfo
    {
        public uint StructSize;
        public uint Verdict;
        public uint ClassicInstalled;
        public uint ClassicBitness;
        public uint ClassicClickToRun;
        public uint ClassicRunning;
        public uint NewRunning;
        public uint NewSelected;
        public fixed byte ClassicVersion[16];
    }

    internal static unsafe partial class NativeMethods
    {
        internal const uint StructOutlookInfo = 7;

#if NET7_0_OR_GREATER
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_detect_outlook(OutlookInfo* info);
#else
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_detect_outlook(OutlookInfo* info);
#endif
    }
}
