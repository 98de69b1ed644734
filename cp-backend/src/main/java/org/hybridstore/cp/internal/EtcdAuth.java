package org.hybridstore.cp.internal;

import io.etcd.jetcd.api.AuthGrpc;
import io.etcd.jetcd.api.AuthenticateRequest;
import io.etcd.jetcd.api.AuthenticateResponse;
import io.grpc.CallCredentials;
import io.grpc.Channel;
import io.grpc.Metadata;
import io.grpc.Status;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * etcd's token authentication for one member connection: the first call asks the member for a
 * token ({@code Authenticate} with user and password, on the same channel, with the request
 * deadline; concurrent first calls share one login, since each login is a raft proposal), every
 * call carries it as the {@code token} header, and {@link #invalidate()} drops it when etcd calls
 * it invalid, so the next call logs in again.
 *
 * <p>A refused login fails the call with {@code UNAUTHENTICATED} (definite: nothing was sent). A
 * login that could not complete (member cut off, no leader: etcd 3.4 commits every login through
 * raft) fails it with {@code UNAVAILABLE}, so that nobody mistakes it for wrong credentials.
 * Thread-safe.
 */
final class EtcdAuth extends CallCredentials {
  static final Metadata.Key<String> TOKEN = Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

  private final Channel channel;
  private final String user;
  private final String password;
  private final Duration timeout;
  private final AtomicReference<@Nullable CompletableFuture<Metadata>> login = new AtomicReference<>();

  EtcdAuth(Channel channel, String user, String password, Duration timeout) {
    this.channel = channel;
    this.user = user;
    this.password = password;
    this.timeout = timeout;
  }

  /** Forgets the token; the next call logs in again. */
  void invalidate() {
    login.set(null);
  }

  @Override
  public void applyRequestMetadata(RequestInfo info, Executor executor, MetadataApplier applier) {
    currentLogin().whenComplete((token, error) -> {
      if (error == null) {
        applier.apply(token);
        return;
      }
      EtcdErrors.Signal signal = EtcdErrors.signal(error);
      applier.fail(signal == EtcdErrors.Signal.CONFIG || signal == EtcdErrors.Signal.REQUEST
          ? Status.UNAUTHENTICATED.withDescription("etcd login failed").withCause(error)
          : Status.UNAVAILABLE.withDescription("could not log in to etcd: " + Status.fromThrowable(error))
              .withCause(error));
    });
  }

  /** Returns the login in progress or done, or starts one if there is none or the last one failed. */
  private CompletableFuture<Metadata> currentLogin() {
    while (true) {
      CompletableFuture<Metadata> current = login.get();
      if (current != null && !current.isCompletedExceptionally()) {
        return current;
      }
      CompletableFuture<Metadata> fresh = new CompletableFuture<>();
      if (login.compareAndSet(current, fresh)) {
        Completions.<AuthenticateResponse>call(out -> AuthGrpc.newStub(channel)
            .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
            .authenticate(AuthenticateRequest.newBuilder().setName(user).setPassword(password).build(), out))
            .whenComplete((response, error) -> {
              if (error != null) {
                fresh.completeExceptionally(error);
              } else {
                Metadata m = new Metadata();
                m.put(TOKEN, response.getToken());
                fresh.complete(m);
              }
            });
        return fresh;
      }
    }
  }
}
