package org.hybridstore.chaos.cluster;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Network fault primitives of a {@link Cluster}. Each method puts a fault in place and returns it;
 * {@link #remove(Fault)} lifts one fault, {@link #heal()} lifts all. Faults combine: the rules in
 * each host namespace are recomputed from all active faults and replaced atomically (one {@code
 * iptables-restore} per affected host). Host arguments are 0-based indexes into {@link
 * Cluster#hosts()}. The suite's JVM in the root namespace keeps reaching every host except under
 * {@link #randomLoss} and {@link #rateLimit}, which act on the host's whole interface.
 *
 * <p>Only NAMESPACES mode supports network faults. In LOOPBACK mode {@link #supports()} is false,
 * every fault method throws {@link UnsupportedOperationException}, {@link #heal()} does nothing and
 * {@link #activeFaults()} is empty.
 *
 * <p>Thread-safe: calls are serialised.
 */
public interface Network {

  /**
   * Whether network faults are available (NAMESPACES mode).
   *
   * @return true in NAMESPACES mode
   */
  boolean supports();

  /**
   * Partitions the hosts: hosts in different components cannot talk at all. Hosts not named in any
   * component form one more component of their own.
   *
   * @param components disjoint sets of host indexes
   * @return the fault
   * @throws IllegalArgumentException if components overlap or name unknown hosts
   * @throws UnsupportedOperationException in LOOPBACK mode
   * @throws ClusterException if the rules cannot be applied
   */
  Fault partition(Collection<Set<Integer>> components);

  /**
   * Cuts arbitrary links: host {@code h} drops all traffic to and from each host in {@code
   * grudge.get(h)} (for shapes that components cannot express, such as a majorities ring). Give
   * both directions in the map for a symmetric cut.
   *
   * @param grudge host to the hosts it cannot talk to
   * @param shape a short label for logs
   * @return the fault
   * @throws IllegalArgumentException if a host is unknown or a host holds a grudge against itself
   * @throws UnsupportedOperationException in LOOPBACK mode
   * @throws ClusterException if the rules cannot be applied
   */
  Fault cut(Map<Integer, Set<Integer>> grudge, String shape);

  /**
   * Drops packets from {@code fromHost} to the given ports of {@code toHosts}, one way; call it
   * twice for both ways. {@code toHosts} may contain {@code fromHost}.
   *
   * @param fromHost the sending host
   * @param toHosts the destination hosts
   * @param ports destination ports (TCP and UDP), at most 15
   * @return the fault
   * @throws IllegalArgumentException if a host or port is invalid
   * @throws UnsupportedOperationException in LOOPBACK mode
   * @throws ClusterException if the rules cannot be applied
   */
  Fault blockPorts(int fromHost, Set<Integer> toHosts, int... ports);

  /**
   * Drops everything {@code from} sends to {@code to}.
   *
   * @param from the sending host
   * @param to the receiving host
   * @return the fault
   * @throws IllegalArgumentException if a host is invalid or both are equal
   * @throws UnsupportedOperationException in LOOPBACK mode
   * @throws ClusterException if the rules cannot be applied
   */
  Fault oneWay(int from, int to);

  /**
   * Drops everything {@code from} sends to any of {@code to}.
   *
   * @param from the sending host
   * @param to the receiving hosts
   * @return the fault
   * @throws IllegalArgumentException if a host is invalid or {@code to} contains {@code from}
   * @throws UnsupportedOperationException in LOOPBACK mode
   * @throws ClusterException if the rules cannot be applied
   */
  Fault oneWay(int from, Set<Integer> to);

  /**
   * Drops each packet in and out of the host's interface with the given probability.
   *
   * @param host the host
   * @param probability in (0, 1]
   * @return the fault
   * @throws IllegalArgumentException if the host or probability is invalid
   * @throws UnsupportedOperationException in LOOPBACK mode
   * @throws ClusterException if the rules cannot be applied
   */
  Fault randomLoss(int host, double probability);

  /**
   * Limits the host's egress with a tbf qdisc. With two rate limits on one host the newer wins
   * until it is removed.
   *
   * @param host the host
   * @param rate a tc rate, e.g. {@code 128kbit} or {@code 1mbit}
   * @return the fault
   * @throws IllegalArgumentException if the host or rate is invalid
   * @throws UnsupportedOperationException in LOOPBACK mode
   * @throws ClusterException if the qdisc cannot be applied
   */
  Fault rateLimit(int host, String rate);

  /**
   * Lifts one fault; other faults stay. Removing a fault that is not active does nothing.
   *
   * @param fault a fault returned by this network
   * @throws ClusterException if the rules cannot be rewritten
   */
  void remove(Fault fault);

  /**
   * Lifts every fault, then verifies that no iptables rule and no tbf qdisc is left in any host
   * namespace.
   *
   * @throws ClusterException if something is left
   */
  void heal();

  /**
   * The faults in place, oldest first.
   *
   * @return an immutable snapshot
   */
  List<Fault> activeFaults();

  /**
   * The number of iptables rules in the host's namespace, read back from the kernel.
   *
   * @param host the host
   * @return the rule count (0 in LOOPBACK mode)
   * @throws ClusterException if the rules cannot be read
   */
  int ruleCount(int host);

  /**
   * The root qdisc kind on the host's interface, read back from the kernel ({@code noqueue} when
   * nothing is installed; {@code tbf} under a rate limit).
   *
   * @param host the host
   * @return the qdisc kind, or empty in LOOPBACK mode
   * @throws ClusterException if the qdisc cannot be read
   */
  String rootQdisc(int host);
}
