package org.hybridstore.ap.internal.gossip;

import io.scalecube.cluster.transport.api.Message;
import io.scalecube.cluster.transport.api.Transport;
import org.hybridstore.ap.internal.wire.Counters;
import org.hybridstore.ap.internal.wire.NetworkFaults;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Wraps the real transport. It stamps every outgoing message with its destination (header {@value
 * AllowListMessageCodec#TO_HEADER}, which the codec moves into the authenticated envelope), tells
 * the frame authenticator this node's addresses once the transport is bound, and drops what {@link
 * NetworkFaults} blocks: sends to a blocked peer vanish, requests to it never answer (the caller's
 * timeout fires, as on a real partition), and messages from a blocked peer are not delivered.
 * Membership traffic goes through here too, so a block is a real partition for SWIM as well.
 */
final class FaultInjectingTransport implements Transport {
  private final Transport delegate;
  private final NetworkFaults faults;
  private final Counters counters;
  private final @Nullable FrameAuthenticator auth;
  private final String advertisedHost;

  FaultInjectingTransport(
      Transport delegate,
      NetworkFaults faults,
      Counters counters,
      @Nullable FrameAuthenticator auth,
      String advertisedHost) {
    this.delegate = delegate;
    this.faults = faults;
    this.counters = counters;
    this.auth = auth;
    this.advertisedHost = advertisedHost;
  }

  @Override
  public String address() {
    return delegate.address();
  }

  @Override
  public Mono<Transport> start() {
    return delegate
        .start()
        .doOnNext(
            t -> {
              if (auth != null) {
                // The transport's own address and the one the member advertises (bindHost:port):
                // frames
                // addressed to anything else were meant for another node.
                String bound = t.address();
                String port = bound.substring(bound.lastIndexOf(':') + 1);
                auth.localAddresses(
                    new java.util.HashSet<>(java.util.List.of(bound, advertisedHost + ":" + port)));
              }
            })
        .thenReturn(this);
  }

  private static Message addressed(String address, Message message) {
    return Message.with(message).header(AllowListMessageCodec.TO_HEADER, address).build();
  }

  @Override
  public Mono<Void> stop() {
    return delegate.stop();
  }

  @Override
  public boolean isStopped() {
    return delegate.isStopped();
  }

  @Override
  public Mono<Void> send(String address, Message message) {
    if (!faults.allowsTo(address)) {
      counters.droppedBlocked();
      return Mono.empty();
    }
    return delegate.send(address, addressed(address, message));
  }

  @Override
  public Mono<Message> requestResponse(String address, Message request) {
    if (!faults.allowsTo(address)) {
      counters.droppedBlocked();
      return Mono.never();
    }
    return delegate
        .requestResponse(address, addressed(address, request))
        .flatMap(
            response -> {
              if (faults.allowsFrom(address)) {
                return Mono.just(response);
              }
              counters.droppedBlocked();
              return Mono.never();
            });
  }

  @Override
  public Flux<Message> listen() {
    return delegate
        .listen()
        .filter(
            m -> {
              if (faults.allowsFrom(m.sender())) {
                return true;
              }
              counters.droppedBlocked();
              return false;
            });
  }
}
