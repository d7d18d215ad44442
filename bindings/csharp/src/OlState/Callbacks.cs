using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OlState.Interop;

namespace OlState
{
    /// <summary>
    /// The two native entry points every subscription shares. The context is a
    /// GCHandle to a <see cref="Subscriber"/>; olstate's release callback frees
    /// it exactly once, after the subscription's last call. Nothing thrown here
    /// reaches native code.
    /// </summary>
    internal static unsafe class Callbacks
    {
#if NET7_0_OR_GREATER
        internal static readonly IntPtr EventPointer =
            (IntPtr)(delegate* unmanaged[Cdecl]<NativeEvent*, IntPtr, void>)&OnEvent;
        internal static readonly IntPtr ReleasePointer =
            (IntPtr)(delegate* unmanaged[Cdecl]<IntPtr, void>)&OnRelease;

        [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
        private static void OnEvent(NativeEvent* e, IntPtr context) => Deliver(e, context);

        [UnmanagedCallersOnly(CallConvs = new[] { typeof(CallConvCdecl) })]
        private static void OnRelease(IntPtr context) => Release(context);
#else
        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate void EventFn(NativeEvent* e, IntPtr context);

        [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
        private delegate void ReleaseFn(IntPtr context);

        // Static: alive for the life of the process, so native code never
        // calls a collected delegate.
        private static readonly EventFn EventDelegate = Deliver;
        private static readonly ReleaseFn ReleaseDelegate = Release;
        internal static readonly IntPtr EventPointer = Marshal.GetFunctionPointerForDelegate(EventDelegate);
        internal static readonly IntPtr ReleasePointer = Marshal.GetFunctionPointerForDelegate(ReleaseDelegate);
#endif

        private static void Deliver(NativeEvent* e, IntPtr context)
        {
            try
            {
                var subscriber = (Subscriber)GCHandle.FromIntPtr(context).Target!;
                var change = ConnectionStateChange.FromNative(e->Kind, e->OldState, e->NewState, e->Subscription,
                    e->Sequence, e->Flags, e->NotifyTimeUs);
                subscriber.Invoke(change);
            }
            catch
            {
                // Subscriber.Invoke already reports handler exceptions; this
                // guards the conversion itself. Never unwind into C.
            }
        }

        private static void Release(IntPtr context)
        {
            try
            {
                var handle = GCHandle.FromIntPtr(context);
                var subscriber = handle.Target as Subscriber;
                handle.Free();
                subscriber?.Released();
            }
            catch
            {
                // Never unwind into C.
            }
        }
    }
}
