package org.hybridstore.chaos.nemesis;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.hybridstore.chaos.cluster.Cluster;

/**
 * SIGSTOPs one or a majority of etcd members (chosen at random); stop sends SIGCONT. A paused
 * member still accepts TCP connections but answers nothing, so clients hang rather than fail
 * (faults.md §2).
 */
final class PauseEtcdNemesis extends AbstractNemesis {

  private final Targets targets;
  private List<Integer> paused = List.of();

  PauseEtcdNemesis(String name, Targets targets) {
    super(name);
    this.targets = targets;
  }

  @Override
  Applied doStart(Cluster cluster, Random random) {
    Set<Integer> chosen = targets.pick(cluster.hosts().size(), random);
    List<Integer> done = new ArrayList<>();
    try {
      for (int h : chosen) {
        cluster.etcd(h).pause();
        done.add(h);
      }
    } catch (RuntimeException e) {
      done.forEach(h -> cluster.etcd(h).resume());
      throw e;
    }
    paused = List.copyOf(done);
    return new Applied("paused etcd on " + KillEtcdNemesis.names(cluster, chosen), chosen);
  }

  @Override
  void doStop(Cluster cluster) {
    for (int h : paused) {
      cluster.etcd(h).resume();
    }
    paused = List.of();
  }
}
