/**
 * Cluster control for the chaos suite: {@link org.hybridstore.chaos.cluster.Cluster} builds N hosts
 * on this one machine (each a Linux network namespace with its own address on a private bridge, or,
 * without root, a reduced loopback mode), runs one etcd member per host ({@link
 * org.hybridstore.chaos.cluster.EtcdMember}) and any further per-host program ({@link
 * org.hybridstore.chaos.cluster.HostProcess}), and injects network faults through {@link
 * org.hybridstore.chaos.cluster.Network} (iptables rules and tbf qdiscs inside the host namespaces;
 * this kernel has no netem). Everything a cluster creates is removed again by {@link
 * org.hybridstore.chaos.cluster.Cluster#close()}, which also runs from a JVM shutdown hook.
 * docs/chaos-cluster.md describes the topology, the naming and the cleanup guarantees.
 */
@NullMarked
package org.hybridstore.chaos.cluster;

import org.jspecify.annotations.NullMarked;
