package org.hybridstore.ap.internal.wire;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The fault-injection seam: the transport consults it for every message, membership traffic
 * included, and drops (and counts) what it blocks. Peers are named by their transport address
 * ({@code host:port}). Thread-safe; changes apply to the next message.
 */
public final class NetworkFaults {
  private final Set<String> blockedTo = ConcurrentHashMap.newKeySet();
  private final Set<String> blockedFrom = ConcurrentHashMap.newKeySet();

  /**
   * Drops every message this node sends to {@code address}.
   *
   * @param address the peer
   */
  public void blockTo(String address) {
    blockedTo.add(address);
  }

  /**
   * Drops every message this node receives from {@code address}.
   *
   * @param address the peer
   */
  public void blockFrom(String address) {
    blockedFrom.add(address);
  }

  /**
   * Cuts this node off from {@code address} in both directions.
   *
   * @param address the peer
   */
  public void isolateFrom(String address) {
    blockTo(address);
    blockFrom(address);
  }

  /** Lifts every block. */
  public void heal() {
    blockedTo.clear();
    blockedFrom.clear();
  }

  /**
   * Returns whether a message to {@code address} may go out.
   *
   * @param address the peer
   * @return false if blocked
   */
  public boolean allowsTo(String address) {
    return blockedTo.isEmpty() || !blockedTo.contains(address);
  }

  /**
   * Returns whether a message from {@code address} may be delivered.
   *
   * @param address the peer, or null if the message names no sender
   * @return false if blocked
   */
  public boolean allowsFrom(@org.jspecify.annotations.Nullable String address) {
    return blockedFrom.isEmpty() || address == null || !blockedFrom.contains(address);
  }
}
