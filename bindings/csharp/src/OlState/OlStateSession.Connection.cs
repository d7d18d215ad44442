using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using OlState.Interop;

namespace OlState
{
    // The Exchange connection mode and the accounts (ABI 1.3): reads, and a
    // wait for a mode. Sessions without Capabilities.ConnectionMode throw
    // OlStateException(NotSupported) from each.
    public sealed partial class OlStateSession
    {
        /// <summary>
        /// The session's Exchange connection mode (Outlook's
        /// <c>NameSpace.ExchangeConnectionMode</c>), as the provider read it
        /// last (no round trip to Outlook). Follow it with
        /// <see cref="ChangeKind.ConnectionChanged"/> events or wait for one with
        /// <see cref="WaitForConnectionAsync(Func{ConnectionMode, bool}, TimeSpan, CancellationToken)"/>.
        /// Throws <see cref="OlStateException"/>: <see cref="ResultCode.NotSupported"/>
        /// without <see cref="Capabilities.ConnectionMode"/> (Outlook's MAPI DLL alone,
        /// a bridge host older than 1.3), <see cref="ResultCode.ProviderFailed"/> when
        /// the provider could not read it, <see cref="ResultCode.ProviderNotFound"/>
        /// for a bridge session whose host is gone.
        /// </summary>
        public unsafe ConnectionMode ConnectionMode
        {
            get
            {
                uint v = 0;
                bool added = false;
                try { CheckConnection(NativeMethods.olstate_get_connection_mode(Acquire(ref added), &v)); }
                finally { if (added) _handle.DangerousRelease(); }
                return (ConnectionMode)v;
            }
        }

        /// <summary>
        /// Outlook's <c>NameSpace.Offline</c>: true when Outlook is not connected to
        /// Exchange (the offline and disconnected modes). A separate fact from
        /// <see cref="State"/>, read with the mode; throws as <see cref="ConnectionMode"/> does.
        /// </summary>
        public unsafe bool IsOffline
        {
            get
            {
                uint v = 0;
                bool added = false;
                try { CheckConnection(NativeMethods.olstate_get_offline(Acquire(ref added), &v)); }
                finally { if (added) _handle.DangerousRelease(); }
                return v != 0;
            }
        }

        /// <summary>
        /// The profile's accounts in Outlook's order (<c>NameSpace.Accounts</c>, at
        /// most 32), one snapshot read at each call; follow them with
        /// <see cref="ChangeKind.AccountChanged"/> events. Throws as
        /// <see cref="ConnectionMode"/> does.
        /// </summary>
        public unsafe IReadOnlyList<Account> Accounts
        {
            get
            {
                var buffer = new NativeAccount[NativeMethods.MaxAccounts];
                uint count = 0;
                bool added = false;
                fixed (NativeAccount* accounts = buffer)
                {
                    accounts[0].StructSize = (uint)sizeof(NativeAccount);
                    try { CheckConnection(NativeMethods.olstate_get_accounts(Acquire(ref added), accounts, (uint)buffer.Length, &count)); }
                    finally { if (added) _handle.DangerousRelease(); }
                    var list = new Account[Math.Min(count, (uint)buffer.Length)];
                    for (int i = 0; i < list.Length; i++)
                    {
                        list[i] = new Account(
                            NativeMethods.FromUtf8(accounts[i].DisplayName, NativeAccount.TextSize),
                            NativeMethods.FromUtf8(accounts[i].SmtpAddress, NativeAccount.TextSize),
                            (AccountType)accounts[i].AccountType, (ConnectionMode)accounts[i].ConnectionMode);
                    }
                    return Array.AsReadOnly(list);
                }
            }
        }

        /// <summary>
        /// <see cref="WaitForConnectionAsync(Func{ConnectionMode, bool}, TimeSpan, CancellationToken)"/>
        /// without a time limit.
        /// </summary>
        public Task<ConnectionMode> WaitForConnectionAsync(Func<ConnectionMode, bool> until,
            CancellationToken cancellationToken = default) =>
            WaitForConnectionAsync(until, Timeout.InfiniteTimeSpan, cancellationToken);

        /// <summary>
        /// Completes with the session's connection mode once <paramref name="until"/>
        /// accepts it: at once when the current mode does, else at the
        /// <see cref="ChangeKind.ConnectionChanged"/> that brings one, e.g.
        /// <c>WaitForConnectionAsync(m =&gt; m.IsConnected(), ...)</c> for "Exchange is
        /// connected". No thread waits meanwhile; <paramref name="until"/> runs on
        /// the calling thread and on the thread pool (keep it a pure test of the mode).
        /// Fails with <see cref="TimeoutException"/> when <paramref name="timeout"/> runs
        /// out (<see cref="Timeout.InfiniteTimeSpan"/>: no limit; <see cref="TimeSpan.Zero"/>:
        /// look once), with <see cref="OlStateException"/> as <see cref="ConnectionMode"/>
        /// throws (and <see cref="ResultCode.ProviderNotFound"/> when a bridge host goes
        /// away, unless the session has <see cref="OlStateOptions.Reconnect"/>: then it
        /// keeps waiting across the loss), with <see cref="ObjectDisposedException"/>
        /// when the session is disposed meanwhile; cancelled with
        /// <paramref name="cancellationToken"/>. With
        /// <see cref="OlStateOptions.SynchronizationContext"/> it completes there.
        /// </summary>
        public Task<ConnectionMode> WaitForConnectionAsync(Func<ConnectionMode, bool> until, TimeSpan timeout,
            CancellationToken cancellationToken = default)
        {
            if (until == null) throw new ArgumentNullException(nameof(until));
            StateWait.CheckTimeout(timeout);
            ThrowIfDisposed();
            return CompleteOnContext(WaitForConnectionCore(until, timeout, cancellationToken));
        }

        private async Task<ConnectionMode> WaitForConnectionCore(Func<ConnectionMode, bool> until, TimeSpan timeout,
            CancellationToken cancellationToken)
        {
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            if (timeout != Timeout.InfiniteTimeSpan) limit.CancelAfter(timeout);
            // Subscribed before the first look, so no change falls in between.
            var stream = new EventStream(this, startWithCurrentState: false, _reconnect, limit.Token);
            try
            {
                var now = LookAtConnectionMode();
                if (now.HasValue && until(now.Value)) return now.Value;
                await foreach (var change in stream.ConfigureAwait(false))
                {
                    // Dropped events may have held the change; a host that is back may have another mode.
                    var seen = change.Kind == ChangeKind.ConnectionChanged ? change.NewMode
                        : change.Dropped || change.Kind == ChangeKind.ProviderBack ? LookAtConnectionMode() : null;
                    if (seen.HasValue && until(seen.Value)) return seen.Value;
                }
                if (IsDisposed)
                    throw new ObjectDisposedException(nameof(OlStateSession), "the olstate session was disposed while waiting");
                throw new OlStateException(ResultCode.ProviderNotFound,
                    "the bridge host went away while waiting for a connection mode (open with Reconnect to wait across a loss)", 0);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"the olstate session's connection mode was not the one awaited within {timeout}");
            }
            finally
            {
                stream.Close();
            }
        }

        // The mode now; null while a reconnecting bridge session has no host
        // (the wait goes on until ProviderBack).
        private ConnectionMode? LookAtConnectionMode()
        {
            try
            {
                return ConnectionMode;
            }
            catch (OlStateException e) when (_reconnect && e.Code == ResultCode.ProviderNotFound)
            {
                return null;
            }
        }

        // NotSupported says which calls need what (the library's message names
        // the missing capability, not the binding's members).
        private static void CheckConnection(int result)
        {
            if (result == (int)ResultCode.NotSupported)
            {
                var native = Failure(result);
                throw new OlStateException(ResultCode.NotSupported,
                    "this session does not report Outlook's Exchange connection mode or accounts " +
                    "(no Capabilities.ConnectionMode: Outlook's MAPI DLL alone, or a bridge host older than olstate 1.3): " +
                    native.Message, native.NativeHResult);
            }
            Check(result);
        }

        // With a SynchronizationContext the task completes inside a call posted
        // there, as StateWait's do, so every continuation runs on it.
        private Task<T> CompleteOnContext<T>(Task<T> task)
        {
            var context = _context;
            if (context == null) return task;
            var done = new TaskCompletionSource<T>();
            task.ContinueWith(t =>
            {
                void Complete()
                {
                    if (t.IsFaulted) done.TrySetException(t.Exception!.InnerExceptions);
                    else if (t.IsCanceled) done.TrySetCanceled();
                    else done.TrySetResult(t.Result);
                }
                try { context.Post(_ => Complete(), null); }
                catch { Complete(); }  // the context refuses work: complete here rather than never
            }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            return done.Task;
        }
    }
}
