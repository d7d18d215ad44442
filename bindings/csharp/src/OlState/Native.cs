using System;
using System.Runtime.InteropServices;

namespace OlState.Interop
{
    /// <summary>The olstate_open_options struct (olstate.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct OpenOptions
    {
        public uint StructSize;
        public byte* Profile;
        public uint Provider;
        public byte* ProviderPath;
        public uint Delivery;
        public uint Flags;
        public IntPtr Application;     // since 1.3: IDispatch* of Outlook's Application
        public uint ConnectionPollMs;  // since 1.3
    }

    /// <summary>The olstate_event struct (olstate.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NativeEvent
    {
        public uint StructSize;
        public uint Kind;
        public uint OldState;
        public uint NewState;
        public ulong Subscription;
        public ulong Sequence;
        public uint Flags;
        public uint Reserved;
        public ulong NotifyTimeUs;
    }

    /// <summary>The olstate_session_info struct (olstate.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct SessionInfo
    {
        public uint StructSize;
        public uint Provider;
        public byte* Profile;
        public byte* ProviderPath;
        public uint Threading;  // OLSTATE_THREADING_* (since 1.3)
    }

    /// <summary>The olstate_subscribe_options struct (olstate.h, since 1.2).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct SubscribeOptions
    {
        public uint StructSize;
        public uint Flags;
        public IntPtr Callback;
        public IntPtr Context;
        public IntPtr Release;
    }

    /// <summary>The olstate_bridge_options struct (olstate.h, since 1.1).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct BridgeOptions
    {
        public uint StructSize;
        public uint Flags;
        public uint MaxClients;
        public uint QueueLength;
        public byte* Endpoint;
    }

    /// <summary>The olstate_account struct (olstate.h, since 1.3).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal unsafe struct NativeAccount
    {
        public const int TextSize = 256;  // OLSTATE_ACCOUNT_TEXT_SIZE, the NUL included
        public uint StructSize;
        public uint AccountType;
        public uint ConnectionMode;
        public uint Reserved;
        public fixed byte DisplayName[TextSize];
        public fixed byte SmtpAddress[TextSize];
    }

    /// <summary>
    /// The C functions. Every signature is blittable (pointers and integers),
    /// cdecl, so the same declarations serve LibraryImport (net8.0: no runtime
    /// marshalling) and DllImport (netstandard2.0).
    /// </summary>
    internal static unsafe partial class NativeMethods
    {
        internal const string Library = "olstate";
        // 1.2: olstate_wait_state and olstate_subscribe_ex (WaitForStateAsync,
        // SetStateAsync, WatchAsync starting with the current state); 1.3: the
        // Exchange connection mode and accounts (ConnectionMode, Accounts).
        internal const uint AbiVersion = (1u << 16) | 3u;
        internal const uint StructOpenOptions = 1, StructEvent = 2, StructSessionInfo = 3, StructBridgeOptions = 4,
            StructSubscribeOptions = 5, StructAccount = 6;
        internal const uint MaxAccounts = 32;  // OLSTATE_MAX_ACCOUNTS
        internal const uint EventFlagDropped = 1;
        internal const uint OpenReconnect = 1;
        internal const uint OpenNoFallback = 2;  // since 1.3
        internal const uint BridgeAllowSetState = 1;
        internal const uint SubscribeCurrentState = 1;

#if NET7_0_OR_GREATER
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial uint olstate_abi_version();
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial nuint olstate_struct_size(uint which);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial byte* olstate_last_error_message();
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_last_error_hresult();
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial byte* olstate_version_string();
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_open_ex(OpenOptions* options, IntPtr* session);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_close(IntPtr session);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_get_session_info(IntPtr session, SessionInfo* info);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_capabilities(IntPtr session, uint* caps);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_get_state(IntPtr session, uint* state);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_set_state(IntPtr session, uint state, uint flags);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_subscribe(IntPtr session, IntPtr callback, IntPtr context, IntPtr release, ulong* token);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_unsubscribe(IntPtr session, ulong token);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_subscribe_ex(IntPtr session, SubscribeOptions* options, ulong* token);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_wait_state(IntPtr session, uint state, uint timeoutMs);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_bridge_start(IntPtr session, BridgeOptions* options, IntPtr* bridge);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_get_connection_mode(IntPtr session, uint* mode);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_get_offline(IntPtr session, uint* offline);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_get_accounts(IntPtr session, NativeAccount* accounts, uint capacity, uint* count);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_bridge_endpoint(IntPtr bridge, byte** endpoint);
        [LibraryImport(Library)] [UnmanagedCallConv(CallConvs = new[] { typeof(System.Runtime.CompilerServices.CallConvCdecl) })]
        internal static partial int olstate_bridge_stop(IntPtr bridge);
#else
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern uint olstate_abi_version();
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern UIntPtr olstate_struct_size(uint which);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern byte* olstate_last_error_message();
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_last_error_hresult();
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern byte* olstate_version_string();
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_open_ex(OpenOptions* options, IntPtr* session);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_close(IntPtr session);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_get_session_info(IntPtr session, SessionInfo* info);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_capabilities(IntPtr session, uint* caps);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_get_state(IntPtr session, uint* state);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_set_state(IntPtr session, uint state, uint flags);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_subscribe(IntPtr session, IntPtr callback, IntPtr context, IntPtr release, ulong* token);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_unsubscribe(IntPtr session, ulong token);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_subscribe_ex(IntPtr session, SubscribeOptions* options, ulong* token);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_wait_state(IntPtr session, uint state, uint timeoutMs);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_bridge_start(IntPtr session, BridgeOptions* options, IntPtr* bridge);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_get_connection_mode(IntPtr session, uint* mode);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_get_offline(IntPtr session, uint* offline);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_get_accounts(IntPtr session, NativeAccount* accounts, uint capacity, uint* count);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_bridge_endpoint(IntPtr bridge, byte** endpoint);
        [DllImport(Library, CallingConvention = CallingConvention.Cdecl)] internal static extern int olstate_bridge_stop(IntPtr bridge);
#endif

        /// <summary>A NUL-terminated UTF-8 string from the library, as a .NET string.</summary>
        internal static string FromUtf8(byte* s)
        {
            if (s == null) return string.Empty;
            int n = 0;
            while (s[n] != 0) n++;
            return System.Text.Encoding.UTF8.GetString(s, n);
        }

        /// <summary>A UTF-8 string of at most <paramref name="capacity"/> bytes, NUL-terminated within them.</summary>
        internal static string FromUtf8(byte* s, int capacity)
        {
            int n = 0;
            while (n < capacity && s[n] != 0) n++;
            return System.Text.Encoding.UTF8.GetString(s, n);
        }

        /// <summary>A .NET string as NUL-terminated UTF-8 (null stays null).</summary>
        internal static byte[]? ToUtf8(string? s)
        {
            if (s == null) return null;
            var bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(s) + 1];
            System.Text.Encoding.UTF8.GetBytes(s, 0, s.Length, bytes, 0);
            return bytes;
        }
    }
}
