package org.hybridstore.chaos.cluster;

/**
 * The ports reserved on a host for its order-service node. In {@code NAMESPACES} mode every host
 * has its own address, so the ports are the same fixed numbers on every host ({@link
 * #NAMESPACE_HTTP}, {@link #NAMESPACE_GOSSIP}); in {@code LOOPBACK} mode they are distinct free
 * ports on 127.0.0.1.
 *
 * @param http the node's HTTP API port
 * @param gossip the node's gossip (cluster membership) port
 */
public record Ports(int http, int gossip) {

  /** The HTTP port of every host in NAMESPACES mode. */
  public static final int NAMESPACE_HTTP = 8080;

  /** The gossip port of every host in NAMESPACES mode. */
  public static final int NAMESPACE_GOSSIP = 4801;

  /**
   * Validates the ports.
   *
   * @throws IllegalArgumentException if a port is outside 1..65535 or both are equal
   */
  public Ports {
    Host.requirePort(http, "http");
    Host.requirePort(gossip, "gossip");
    if (http == gossip) {
      throw new IllegalArgumentException("http and gossip ports must differ: " + http);
    }
  }
}
