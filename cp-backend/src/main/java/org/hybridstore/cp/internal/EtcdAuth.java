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
 * etcd's token authentication, one login for all of a backend's member connections: the first call
 * that needs a token logs in ({@code Authenticate} with user and password, over its own member's
 * channel, with the request deadline), concurrent calls wait for that login, and every call carries
 * the token as the {@code token} header. etcd commits a login through raft and every member applies
 * it, so one token serves all members (a member a few milliseconds behind may call it invalid once;
 * the router then sends the call again). {@link #invalidate()} drops the token when etcd calls it
 * invalid, so the next call logs in again.
 *
 * <p>A refused login fails the call with {@code UNAUTHENTICATED} (definite: nothing was sent). A
 * login that could not complete (member cut off, no leader) fails it with {@code UNAVAILABLE}, so
 * nobody mistakes it for wrong credentials, and the next call tries again. Thread-safe.
 */
final class EtcdAuth {
  static final Metadata.Key<String> TOKEN =
      Metadata.Key.of("token", Metadata.ASCII_STRING_MARSHALLER);

  private final String user;
  private final String password;
  private final Duration timeout;
  private final AtomicReference<@Nullable CompletableFuture<Metadata>> login =
      new AtomicReference<>();

  EtcdAuth(String user, String password, Duration timeout) {
    this.user = user;
    this.password = password;
    this.timeout = timeout;
  }

  /**
   * Returns the credentials of one member connection: they log in over {@code channel} when needed.
   */
  CallCredentials over(Channel channel) {
    return new CallCredentials() {
      @Override
      public void applyRequestMetadata(
          RequestInfo info, Executor executor, MetadataApplier applier) {
        token(channel)
            .whenComplete(
                (token, error) -> {
                  if (error == null) {
                    applier.apply(token);
                    return;
                  }
                  EtcdErrors.Signal signal = EtcdErrors.signal(error);
                  applier.fail(
                      signal == EtcdErrors.Signal.CONFIG || signal == EtcdErrors.Signal.REQUEST
                          ? Status.UNAUTHENTICATED
                              .withDescription("etcd login failed")
                              .withCause(error)
                          : Status.UNAVAILABLE
                              .withDescription(
                                  "could not log in to etcd: " + Status.fromThrowable(error))
                              .withCause(error));
                });
      }
    };
  }

  /** Forgets the token; the next call logs in again. */
  void invalidate() {
    login.set(null);
  }

  /**
   * Returns the login in progress or done, or starts one over {@code channel} if there is none or
   * it failed.
   */
  private CompletableFuture<Metadata> token(Channel channel) {
    while (true) {
      CompletableFuture<Metadata> current = login.get();
      if (current != null && !current.isCompletedExceptionally()) {
        return current;
      }
      CompletableFuture<Metadata> fresh = new CompletableFuture<>();
      if (login.compareAndSet(current, fresh)) {
        Completions.<AuthenticateResponse>call(
                out ->
                    AuthGrpc.newStub(channel)
                        .withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS)
                        .authenticate(
                            AuthenticateRequest.newBuilder()
                                .setName(user)
                                .setPassword(password)
                                .build(),
                            out))
            .whenComplete(
                (response, error) -> {
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
