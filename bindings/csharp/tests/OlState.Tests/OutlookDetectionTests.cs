using System;
using System.Runtime.InteropServices;
using Xunit;

namespace OlState.Tests
{
    /// <summary>OutlookDetection.Detect (olstate_detect_outlook): the mirrored
    /// struct and enum, and the answer where there is no Outlook. The Windows
    /// facts are tested in C under Wine (tests/win/detect_outlook.cpp).</summary>
    public class OutlookDetectionTests
    {
        [Fact]
        public void MirroredStructAndEnumMatchTheLibrary()
        {
            var detection = OutlookDetection.Detect();  // loads the library
            var asm = typeof(OutlookDetection).Assembly;
            var native = asm.GetType("OlState.Interop.NativeMethods")!;
            var flags = System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static;
            var which = (uint)native.GetField("StructOutlookInfo", flags)!.GetValue(null)!;
            var v = native.GetMethod("olstate_struct_size", flags)!.Invoke(null, new object[] { which })!;
            ulong size = v is UIntPtr u ? (ulong)u : (ulong)(nuint)v;
            Assert.Equal((ulong)Marshal.SizeOf(asm.GetType("OlState.Interop.OutlookInfo")!), size);
            Assert.Equal(48UL, size);
            Assert.Equal(new[] { 0, 1, 2, 3 }, (int[])Enum.GetValues(typeof(OutlookKind)));
            Assert.True(Enum.IsDefined(typeof(OutlookKind), detection.Verdict));
        }

        [Fact]
        public void OutsideWindowsThereIsNoOutlook()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows)) return;  // the Wine suite covers Windows
            var d = OutlookDetection.Detect();
            Assert.Equal(OutlookKind.None, d.Verdict);
            Assert.False(d.ClassicInstalled);
            Assert.Equal(0, d.ClassicBitness);
            Assert.False(d.ClassicClickToRun);
            Assert.Equal("", d.ClassicVersion);
            Assert.False(d.ClassicRunning);
            Assert.False(d.NewRunning);
            Assert.False(d.NewSelected);
            Assert.StartsWith("None (", d.ToString());
        }
    }
}
