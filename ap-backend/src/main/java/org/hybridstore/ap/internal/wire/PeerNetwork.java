package org.hybridstore.ap.internal.wire;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.hybridstore.NodeId;
import org.jspecify.annotations.Nullable;

/**
 * Membership and direct messages between nodes, as the replicator sees them. Implemented over
 * ScaleCube in {@code internal.gossip}; tests may use an in-memory implementation.
 */
public interface PeerNetwork extends AutoCloseable {
  /** Returns this node's transport address ({@code host:port}). */
  String localAddress();

  /** Returns the peers membership currently considers alive, with what each published. */
  List<Peer> peers();

  /**
   * Sends one message directly to a peer.
   *
   * @param address the peer's transport address
   * @param message the message
   * @return completes when the transport wrote it, or fails if it could not
   */
  CompletableFuture<Void> send(String address, WireMessage message);

  /**
   * Publishes this node's metadata to its peers.
   *
   * @param meta the metadata
   */
  void publish(NodeMeta meta);

  /** Leaves the cluster and stops the transport. */
  @Override
  void close();

  /**
   * A live peer.
   *
   * @param address its transport address
   * @param meta what it published, or null if not known yet
   */
  record Peer(String address, @Nullable NodeMeta meta) {}

  /**
   * Who sent a message: the node id its frame was authenticated as (with the insecure setting, the
   * one the message names), and the transport address answers go to. Never taken from the payload.
   *
   * @param node the sending node
   * @param address its transport address
   */
  record Sender(NodeId node, String address) {}

  /** Receives what the network delivers; called on transport threads, must not block. */
  interface Listener {
    /**
     * A decoded, allow-listed, authenticated message arrived.
     *
     * @param from the authenticated sender; {@code message.from()} equals {@code from.node()}
     * @param message the message
     */
    void onMessage(Sender from, WireMessage message);

    /**
     * A peer joined, or came back after being suspected or removed.
     *
     * @param peer the peer
     */
    void onPeerUp(Peer peer);
  }

  /** Starts a network for a node. */
  @FunctionalInterface
  interface Factory {
    /**
     * Joins the cluster.
     *
     * @param self what this node publishes at start
     * @param listener receives messages and membership changes
     * @param counters where drops are counted
     * @return the started network
     */
    PeerNetwork start(NodeMeta self, Listener listener, Counters counters);
  }
}
