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
 * {@code partition-service-etcd}: cuts one random host's service node from etcd only. Everything
 * that host sends to the etcd client port of any host, its own included, is dropped; etcd's raft
 * traffic (peer port) and the service's gossip and HTTP traffic are untouched, so etcd keeps its
 * quorum and the other service nodes keep seeing this one.
 *
 * <p>Side effect: the local etcd member's JSON gateway dials its own client port and fails too, so
 * that member answers no Status over HTTP while the fault is in place (gRPC clients from other
 * hosts are unaffected).
 */
final class ServiceEtcdNemesis extends NetworkNemesis {

  ServiceEtcdNemesis(String name) {
    super(name);
  }

  @Override
  Applied apply(Cluster cluster, Random random, List<Fault> out) {
    List<Host> hosts = cluster.hosts();
    int h = random.nextInt(hosts.size());
    Map<Integer, Set<Integer>> hostsByPort = new TreeMap<>();
    for (Host t : hosts) {
      hostsByPort.computeIfAbsent(t.etcdClientPort(), p -> new TreeSet<>()).add(t.index());
    }
    StringBuilder what =
        new StringBuilder("service node on " + hosts.get(h).name() + " cut from etcd:");
    hostsByPort.forEach(
        (port, targets) -> {
          Fault f = cluster.network().blockPorts(h, targets, port);
          out.add(f);
          what.append(' ').append(f.describe());
        });
    return new Applied(what.toString(), Set.of(h));
  }
}
