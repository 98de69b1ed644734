package org.hybridstore.chaos.nemesis;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.EtcdMember;
import org.hybridstore.chaos.cluster.Host;

/**
 * Stops one, a majority or all etcd members (chosen at random) with a signal, and undoes it on
 * stop: {@link Action#KILL} SIGKILLs them and restarts them on the same data directory and ports
 * (recovery takes one election, faults.md §3c; the caller waits with {@link Cluster#awaitHealthy});
 * {@link Action#PAUSE} SIGSTOPs them and sends SIGCONT (a paused member still accepts TCP
 * connections but answers nothing, so clients hang rather than fail, faults.md §2).
 */
final class EtcdProcessNemesis extends AbstractNemesis {

  /** What is done to a chosen member, and how it is undone. */
  enum Action {
    KILL("killed") {
      @Override
      void apply(EtcdMember member) {
        member.kill();
      }

      @Override
      void undo(EtcdMember member) {
        if (!member.isRunning()) {
          member.restart();
        }
      }
    },
    PAUSE("paused") {
      @Override
      void apply(EtcdMember member) {
        member.pause();
      }

      @Override
      void undo(EtcdMember member) {
        member.resume();
      }
    };

    private final String pastTense;

    Action(String pastTense) {
      this.pastTense = pastTense;
    }

    abstract void apply(EtcdMember member);

    abstract void undo(EtcdMember member);
  }

  private final Targets targets;
  private final Action action;
  private List<Integer> affected = List.of();

  EtcdProcessNemesis(String name, Targets targets, Action action) {
    super(name);
    this.targets = targets;
    this.action = action;
  }

  @Override
  Applied doStart(Cluster cluster, Random random) {
    Set<Integer> chosen = targets.pick(cluster.hosts().size(), random);
    List<Integer> done = new ArrayList<>();
    try {
      for (int h : chosen) {
        action.apply(cluster.etcd(h));
        done.add(h);
      }
    } catch (RuntimeException e) {
      done.forEach(h -> action.undo(cluster.etcd(h)));
      throw e;
    }
    affected = List.copyOf(done);
    return new Applied(action.pastTense + " etcd on " + names(cluster, chosen), chosen);
  }

  @Override
  void doStop(Cluster cluster) {
    for (int h : affected) {
      action.undo(cluster.etcd(h));
    }
    affected = List.of();
  }

  private static String names(Cluster cluster, Set<Integer> hosts) {
    List<Host> all = cluster.hosts();
    return hosts.stream().map(h -> all.get(h).name()).toList().toString();
  }
}
