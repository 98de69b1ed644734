package org.hybridstore.ap.internal.gossip;

import io.scalecube.cluster.Cluster;
import io.scalecube.cluster.ClusterConfig;
import io.scalecube.cluster.ClusterImpl;
import io.scalecube.cluster.ClusterMessageHandler;
import io.scalecube.cluster.Member;
import io.scalecube.cluster.membership.MembershipEvent;
import io.scalecube.cluster.transport.api.Message;
import io.scalecube.cluster.transport.api.TransportFactory;
import io.scalecube.transport.netty.tcp.TcpTransportFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.hybridstore.ApConfig;
import org.hybridstore.NodeId;
import org.hybridstore.PeerAuthConfig;
import org.hybridstore.StoreUnavailableException;
import org.hybridstore.ap.internal.wire.Counters;
import org.hybridstore.ap.internal.wire.NetworkFaults;
import org.hybridstore.ap.internal.wire.NodeMeta;
import org.hybridstore.ap.internal.wire.PeerNetwork;
import org.hybridstore.ap.internal.wire.WireCodec;
import org.hybridstore.ap.internal.wire.WireMessage;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PeerNetwork} over ScaleCube Cluster 2.7.10 (SWIM membership, TCP transport).
 *
 * <ul>
 *   <li>Seeds come from {@link ApConfig#seeds()}; the member advertises {@code bindHost:port}.
 *   <li>Metadata is the node's {@link NodeMeta}, written by {@link JsonMetadataCodec}.
 *   <li>Direct messages go through {@code cluster.transport().send(address, message)} with
 *       qualifier {@value #QUALIFIER} and a {@link WireMessage} as data; gossip is not used.
 *   <li>Every frame is encoded by {@link AllowListMessageCodec}; the transport sits inside a {@link
 *       FaultInjectingTransport} driven by the given {@link NetworkFaults}.
 *   <li>Unless {@link PeerAuthConfig#insecure()} is configured, every frame (SWIM's included) is
 *       authenticated by a {@link FrameAuthenticator}, and a message is handed to the listener with
 *       the authenticated node id as its sender; a payload naming another sender is dropped.
 * </ul>
 *
 * <p>Reactor types end here: {@code Mono}s become {@code CompletableFuture}s. Thread-safe.
 */
public final class ScaleCubeNetwork implements PeerNetwork {
  /** Qualifier of our direct messages. */
  public static final String QUALIFIER = "hybridstore/wire";

  private static final Logger LOG = LoggerFactory.getLogger(ScaleCubeNetwork.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);
  private static final int SYNC_INTERVAL_MILLIS = 3_000;

  private final Cluster cluster;
  private final Counters counters;

  private ScaleCubeNetwork(Cluster cluster, Counters counters) {
    this.cluster = cluster;
    this.counters = counters;
  }

  /**
   * Returns a factory that joins the cluster described by {@code config}.
   *
   * @param config addresses, seeds and limits
   * @param faults the fault-injection seam (never blocks anything unless a test says so)
   * @return the factory
   */
  public static PeerNetwork.Factory factory(ApConfig config, NetworkFaults faults) {
    return factory(config, faults, InstantSource.system());
  }

  /**
   * Returns a factory that joins the cluster, with the clock frame timestamps are taken from and
   * checked against (tests).
   *
   * @param config addresses, seeds, limits and peer authentication
   * @param faults the fault-injection seam
   * @param time the wall clock of the frame authenticator
   * @return the factory
   */
  public static PeerNetwork.Factory factory(
      ApConfig config, NetworkFaults faults, InstantSource time) {
    return (self, listener, counters) -> start(config, faults, time, self, listener, counters);
  }

  private static ScaleCubeNetwork start(
      ApConfig config,
      NetworkFaults faults,
      InstantSource time,
      NodeMeta self,
      PeerNetwork.Listener listener,
      Counters counters) {
    PeerAuthConfig peerAuth = config.peerAuth();
    FrameAuthenticator auth = null;
    if (peerAuth.authenticated()) {
      auth = new FrameAuthenticator(self.node(), peerAuth, time);
      LOG.info(
          "node {}: peer authentication on (HMAC-SHA256; members {}; {} secret(s); frame window {})",
          self.node(),
          peerAuth.members(),
          peerAuth.secrets().size(),
          peerAuth.maxFrameAge());
    } else {
      LOG.warn(
          "node {}: peer authentication is OFF (PeerAuthConfig.insecure()): anyone who reaches {}:{} can "
              + "write to this node's journal and join its membership",
          self.node(),
          config.bindHost(),
          config.gossipPort());
    }
    AllowListMessageCodec codec =
        new AllowListMessageCodec(config.maxMessageBytes(), counters, auth);
    // Netty's frame decoder is the outer guard; the codec enforces (and counts) maxMessageBytes.
    // Netty skips a longer frame without buffering it, so this bounds what one connection holds.
    int maxFrame = (int) Math.min(Integer.MAX_VALUE - 8L, config.maxMessageBytes() + 64L * 1024);
    TransportFactory tcp = new TcpTransportFactory();
    FrameAuthenticator a = auth;
    TransportFactory wrapped =
        transportConfig ->
            new FaultInjectingTransport(
                tcp.createTransport(transportConfig), faults, counters, a, config.bindHost());
    ClusterConfig base =
        isLoopback(config.bindHost())
            ? ClusterConfig.defaultLocalConfig()
            : ClusterConfig.defaultLanConfig();
    Cluster cluster;
    try {
      cluster =
          new ClusterImpl(base)
              .config(
                  c ->
                      c.metadata(self)
                          .metadataCodec(new JsonMetadataCodec(counters))
                          .externalHost(config.bindHost())
                          .memberAlias(self.node().value()))
              // A full membership sync every few seconds: a member SWIM removed during a partition,
              // and
              // a changed mode or epoch, are seen again within this interval (SWIM's default is
              // 15-30 s).
              .membership(
                  m ->
                      m.seedMembers(config.seeds())
                          .syncInterval(Math.min(m.syncInterval(), SYNC_INTERVAL_MILLIS)))
              .transport(
                  t -> t.port(config.gossipPort()).messageCodec(codec).maxFrameLength(maxFrame))
              .transportFactory(() -> wrapped)
              .handler(c -> new Handler(listener, counters, c, a != null))
              .start()
              .toFuture()
              .get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreUnavailableException("interrupted while joining the peers", e);
    } catch (Exception e) {
      throw new StoreUnavailableException(
          "cannot start the gossip transport on "
              + config.bindHost()
              + ":"
              + config.gossipPort()
              + ": "
              + e,
          e);
    }
    LOG.info("node {} joined as {} (seeds {})", self.node(), cluster.address(), config.seeds());
    return new ScaleCubeNetwork(cluster, counters);
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /** Translates ScaleCube's callbacks into {@link PeerNetwork.Listener} calls. */
  private static final class Handler implements ClusterMessageHandler {
    private final PeerNetwork.Listener listener;
    private final Counters counters;
    private final Cluster cluster;
    private final boolean authenticated;

    Handler(
        PeerNetwork.Listener listener, Counters counters, Cluster cluster, boolean authenticated) {
      this.listener = listener;
      this.counters = counters;
      this.cluster = cluster;
      this.authenticated = authenticated;
    }

    @Override
    public void onMessage(Message message) {
      if (!QUALIFIER.equals(message.qualifier())) {
        return; // the codec's placeholder for a dropped frame, or a qualifier we do not serve
      }
      Object data = message.data();
      String sender = message.sender();
      if (!(data instanceof WireMessage wire) || sender == null) {
        counters.droppedMalformed();
        return;
      }
      NodeId node = wire.from();
      if (authenticated) {
        // The sender is who the frame was authenticated as; the payload's "from" must agree.
        String peer = message.header(AllowListMessageCodec.PEER_HEADER);
        if (peer == null) {
          counters.droppedUnauthenticated();
          return;
        }
        node = NodeId.of(peer);
        if (!node.equals(wire.from())) {
          counters.droppedForgedSender();
          LOG.debug(
              "dropped a {} from {} that claims to come from {}",
              WireCodec.typeOf(wire),
              node,
              wire.from());
          return;
        }
      }
      counters.received();
      try {
        listener.onMessage(new Sender(node, sender), wire);
      } catch (RuntimeException e) {
        LOG.warn("handling {} from {} failed", wire.getClass().getSimpleName(), sender, e);
      }
    }

    @Override
    public void onGossip(Message gossip) {
      // Gossip is not used for data; anything that arrives this way is ignored.
    }

    @Override
    public void onMembershipEvent(MembershipEvent event) {
      if (event.isAdded() || event.isUpdated()) {
        Member m = event.member();
        try {
          listener.onPeerUp(new Peer(m.address(), meta(cluster, m)));
        } catch (RuntimeException e) {
          LOG.warn("handling {} failed", event, e);
        }
      }
    }
  }

  private static @Nullable NodeMeta meta(Cluster cluster, Member m) {
    Optional<Object> meta = cluster.metadata(m);
    return meta.filter(NodeMeta.class::isInstance).map(NodeMeta.class::cast).orElse(null);
  }

  @Override
  public String localAddress() {
    return cluster.member().address();
  }

  @Override
  public List<Peer> peers() {
    List<Peer> out = new ArrayList<>();
    for (Member m : cluster.otherMembers()) {
      out.add(new Peer(m.address(), meta(cluster, m)));
    }
    return out;
  }

  @Override
  public CompletableFuture<Void> send(String address, WireMessage message) {
    Message m = Message.builder().qualifier(QUALIFIER).data(message).build();
    try {
      return cluster.transport().send(address, m).toFuture();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public void publish(NodeMeta meta) {
    cluster
        .updateMetadata(meta)
        .toFuture()
        .whenComplete(
            (ok, e) -> {
              if (e != null) {
                LOG.warn("publishing metadata {} failed", meta, e);
              }
            });
  }

  @Override
  public void close() {
    cluster.shutdown();
    try {
      cluster.onShutdown().toFuture().get(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("gossip transport did not stop cleanly: {}", e.toString());
    }
    LOG.debug("left the cluster; {} messages sent", counters.snapshot().messagesSent());
  }
}
