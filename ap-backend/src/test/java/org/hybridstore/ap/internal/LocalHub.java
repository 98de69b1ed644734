package org.hybridstore.ap.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.hybridstore.ap.internal.wire.Counters;
import org.hybridstore.ap.internal.wire.NetworkFaults;
import org.hybridstore.ap.internal.wire.NodeMeta;
import org.hybridstore.ap.internal.wire.PeerNetwork;
import org.hybridstore.ap.internal.wire.WireCodec;
import org.hybridstore.ap.internal.wire.WireMessage;

/**
 * An in-memory network for unit tests: every message goes through {@link WireCodec} (so tests
 * exercise the real encoding), is delivered on one hub thread in send order, and may be dropped at
 * random with the configured probability or by the nodes' {@link NetworkFaults}.
 */
public final class LocalHub implements AutoCloseable {
  private final Map<String, Endpoint> endpoints = new ConcurrentHashMap<>();
  private final ExecutorService delivery =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "local-hub");
            t.setDaemon(true);
            return t;
          });
  private final AtomicInteger ports = new AtomicInteger(1);
  private final Random random;
  private volatile double dropProbability;

  public LocalHub(long seed) {
    this.random = new Random(seed);
  }

  /** Drops each message with this probability (anti-entropy must make up for it). */
  public void dropProbability(double p) {
    dropProbability = p;
  }

  private final class Endpoint implements PeerNetwork {
    final String address = "local:" + ports.getAndIncrement();
    final Listener listener;
    final NetworkFaults faults;
    final Counters counters;
    volatile NodeMeta meta;

    Endpoint(NodeMeta meta, Listener listener, NetworkFaults faults, Counters counters) {
      this.meta = meta;
      this.listener = listener;
      this.faults = faults;
      this.counters = counters;
    }

    @Override
    public String localAddress() {
      return address;
    }

    @Override
    public List<Peer> peers() {
      List<Peer> out = new ArrayList<>();
      endpoints
          .values()
          .forEach(
              e -> {
                if (e != this) {
                  out.add(new Peer(e.address, e.meta));
                }
              });
      return out;
    }

    @Override
    public CompletableFuture<Void> send(String to, WireMessage message) {
      byte[] bytes = WireCodec.encode(message);
      Endpoint target = endpoints.get(to);
      boolean lost;
      synchronized (random) {
        lost = random.nextDouble() < dropProbability;
      }
      if (target == null || lost || !faults.allowsTo(to) || !target.faults.allowsFrom(address)) {
        return CompletableFuture.completedFuture(null);
      }
      WireMessage decoded = WireCodec.decode(bytes, Integer.MAX_VALUE);
      delivery.execute(
          () ->
              target.listener.onMessage(new PeerNetwork.Sender(decoded.from(), address), decoded));
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public void publish(NodeMeta meta) {
      this.meta = meta;
    }

    @Override
    public void close() {
      endpoints.remove(address);
    }
  }

  /** Delivers a message to a node as if a peer at "local:0" had sent it. */
  public void inject(String to, WireMessage message) {
    Endpoint target = endpoints.get(to);
    byte[] bytes = WireCodec.encode(message);
    WireMessage decoded = WireCodec.decode(bytes, Integer.MAX_VALUE);
    delivery.execute(
        () ->
            target.listener.onMessage(new PeerNetwork.Sender(decoded.from(), "local:0"), decoded));
  }

  /** Returns a factory for one node on this hub. */
  public PeerNetwork.Factory factory(NetworkFaults faults) {
    return (self, listener, counters) -> {
      Endpoint e = new Endpoint(self, listener, faults, counters);
      List<PeerNetwork.Peer> existing = e.peers();
      endpoints.put(e.address, e);
      for (PeerNetwork.Peer p : existing) {
        Endpoint other = endpoints.get(p.address());
        delivery.execute(() -> other.listener.onPeerUp(new PeerNetwork.Peer(e.address, e.meta)));
      }
      return e;
    };
  }

  @Override
  public void close() {
    delivery.shutdownNow();
  }
}
