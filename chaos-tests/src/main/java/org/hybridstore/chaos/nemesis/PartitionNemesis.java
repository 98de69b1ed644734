package org.hybridstore.chaos.nemesis;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.Set;
import org.hybridstore.chaos.cluster.Cluster;
import org.hybridstore.chaos.cluster.Fault;

/**
 * Partitions between hosts, in the shapes {@code partition-one} (isolate a random host), {@code
 * partition-halves}, {@code partition-ring} (majorities ring; see {@link PartitionShapes#ring}) and
 * {@code partition-leader} (isolate the host of the etcd leader that a majority agrees on).
 * Implemented by DROP rules inside the host namespaces; the suite's clients in the root namespace
 * still reach every host.
 */
final class PartitionNemesis extends NetworkNemesis {

  /** Which shape to cut. */
  enum Shape {
    ONE,
    HALVES,
    RING,
    LEADER
  }

  private final Shape shape;

  PartitionNemesis(String name, Shape shape) {
    super(name);
    this.shape = shape;
  }

  @Override
  @SuppressWarnings("StatementSwitchToExpressionSwitch") // block cases read better here
  Applied apply(Cluster cluster, Random random, List<Fault> out) {
    int n = cluster.hosts().size();
    switch (shape) {
      case ONE:
        {
          int h = random.nextInt(n);
          Fault f = cluster.network().partition(PartitionShapes.isolate(n, h));
          out.add(f);
          return new Applied(f.describe(), Set.of(h));
        }
      case HALVES:
        {
          List<Set<Integer>> parts = PartitionShapes.halves(n, random);
          Fault f = cluster.network().partition(parts);
          out.add(f);
          return new Applied(f.describe(), parts.get(0));
        }
      case RING:
        {
          Map<Integer, Set<Integer>> grudge = PartitionShapes.ring(n, random);
          Fault f =
              cluster
                  .network()
                  .cut(grudge, n == 3 ? "bridge (3-host majorities ring)" : "majorities ring");
          out.add(f);
          return new Applied(f.describe(), grudge.keySet());
        }
      case LEADER:
        {
          Duration wait = Duration.ofMillis(2L * cluster.spec().electionMs() + 1000);
          OptionalInt leader = cluster.leader(wait);
          int h = leader.isPresent() ? leader.getAsInt() : random.nextInt(n);
          Fault f = cluster.network().partition(PartitionShapes.isolate(n, h));
          out.add(f);
          String note =
              leader.isPresent() ? "leader " : "no agreed leader within " + wait + ", random host ";
          return new Applied(
              "isolated " + note + cluster.hosts().get(h).name() + ": " + f.describe(), Set.of(h));
        }
      default:
        throw new IllegalStateException("unknown shape " + shape);
    }
  }
}
