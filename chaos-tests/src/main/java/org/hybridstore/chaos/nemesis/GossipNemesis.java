package org.hybridstore.chaos.nemesis;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.Fault;
import org.hybridstore.chaos.cluster.Host;

/**
 * {@code partition-gossip}: cuts the service nodes from each other. On every host, packets to the
 * other hosts' gossip and HTTP ports ({@link Host#ports()}) are dropped; etcd traffic and the
 * suite's clients (root namespace) are untouched.
 */
final class GossipNemesis extends NetworkNemesis {

  GossipNemesis(String name) {
    super(name);
  }

  @Override
  Applied apply(Cluster cluster, Random random, List<Fault> out) {
    List<Host> hosts = cluster.hosts();
    for (Host from : hosts) {
      Map<List<Integer>, Set<Integer>> byPorts =
          new TreeMap<>((a, b) -> a.toString().compareTo(b.toString()));
      for (Host to : hosts) {
        if (to.index() != from.index()) {
          byPorts
              .computeIfAbsent(
                  List.of(to.ports().http(), to.ports().gossip()), p -> new TreeSet<>())
              .add(to.index());
        }
      }
      byPorts.forEach(
          (ports, targets) ->
              out.add(
                  cluster.network().blockPorts(from.index(), targets, ports.get(0), ports.get(1))));
    }
    Set<Integer> all = Targets.all(hosts.size());
    Host first = hosts.get(0);
    return new Applied(
        "service nodes cut from each other (http "
            + first.ports().http()
            + ", gossip "
            + first.ports().gossip()
            + " between all hosts; "
            + out.size()
            + " rule sets)",
        all);
  }
}
