package org.hybridstore.chaos.cluster;

import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One host of a {@link Cluster}: a network namespace with its own address (or, in the reduced
 * {@code LOOPBACK} mode, a set of ports on 127.0.0.1), running one etcd member and usually one
 * order-service node.
 *
 * @param index 0-based position in {@link Cluster#hosts()}; every other API takes this index
 * @param name {@code h1}..{@code hN} (that is {@code "h" + (index + 1)}); also the etcd member name
 * @param address the host's IPv4 address, {@code 10.X.Y.(11 + index)} in NAMESPACES mode or {@code
 *     127.0.0.1} in LOOPBACK mode
 * @param netns the network namespace name, or {@code null} in LOOPBACK mode (see {@link
 *     #namespace()})
 * @param etcdClientPort the etcd client port on {@code address}
 * @param etcdPeerPort the etcd peer (raft) port on {@code address}
 * @param ports the ports reserved for the host's service node
 */
public record Host(
    int index,
    String name,
    String address,
    @Nullable String netns,
    int etcdClientPort,
    int etcdPeerPort,
    Ports ports) {

  /** The etcd client port of every host in NAMESPACES mode. */
  public static final int NAMESPACE_ETCD_CLIENT = 2379;

  /** The etcd peer port of every host in NAMESPACES mode. */
  public static final int NAMESPACE_ETCD_PEER = 2380;

  /**
   * Validates the host.
   *
   * @throws IllegalArgumentException if a field is out of range
   * @throws NullPointerException if name, address or ports is null
   */
  public Host {
    if (index < 0) {
      throw new IllegalArgumentException("index must not be negative: " + index);
    }
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(ports, "ports");
    requirePort(etcdClientPort, "etcdClientPort");
    requirePort(etcdPeerPort, "etcdPeerPort");
  }

  /**
   * The namespace this host lives in.
   *
   * @return the namespace name, or empty in LOOPBACK mode
   */
  public Optional<String> namespace() {
    return Optional.ofNullable(netns);
  }

  /**
   * The etcd client URL, {@code http://address:etcdClientPort}.
   *
   * @return the URL as a string
   */
  public String etcdClientUrl() {
    return "http://" + address + ":" + etcdClientPort;
  }

  /**
   * The etcd peer URL, {@code http://address:etcdPeerPort}.
   *
   * @return the URL as a string
   */
  public String etcdPeerUrl() {
    return "http://" + address + ":" + etcdPeerPort;
  }

  static void requirePort(int port, String field) {
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException(field + " must be in 1..65535: " + port);
    }
  }
}
