using System;
using System.Runtime.InteropServices;

namespace OlState.Interop
{
    /// <summary>Outlook's Application object as olstate_open_options.application wants it.</summary>
    internal static class OutlookApplication
    {
        private static readonly Guid IidDispatch = new Guid("00020400-0000-0000-C000-000000000046");

        /// <summary>
        /// The object's IDispatch, with a reference the caller releases
        /// (Marshal.Release). Through IUnknown and QueryInterface rather than
        /// Marshal.GetIDispatchForObject, which netstandard2.0 lacks.
        /// </summary>
        internal static IntPtr Dispatch(object application)
        {
            if (!RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                throw new PlatformNotSupportedException("OlStateOptions.Application (Outlook's object model) exists only on Windows");
            IntPtr unknown = Marshal.GetIUnknownForObject(application);
            try
            {
                Guid iid = IidDispatch;
                int hr = Marshal.QueryInterface(unknown, ref iid, out IntPtr dispatch);
                if (hr < 0 || dispatch == IntPtr.Zero)
                    throw new ArgumentException($"OlStateOptions.Application has no IDispatch (HRESULT 0x{hr:X8}): pass Outlook's Application object", "options");
                return dispatch;
            }
            finally
            {
                Marshal.Release(unknown);
            }
        }
    }
}
