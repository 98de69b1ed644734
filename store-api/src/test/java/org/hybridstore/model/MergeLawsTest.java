package org.hybridstore.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.NodeId;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLimits;
import org.hybridstore.testing.RandomRecords;

/** The merge of two records is a join: the laws that make replicas converge in any gossip order. */
class MergeLawsTest {
  private static final OrderId ID = OrderId.of("o-1");

  private static List<OrderRecord> replicas(long seed, int count) {
    return new RandomRecords(seed, ID).replicas(count, 12);
  }

  @Property(tries = 1000)
  void merge_isCommutative(@ForAll long seed) {
    List<OrderRecord> r = replicas(seed, 2);
    assertThat(r.get(0).merge(r.get(1))).isEqualTo(r.get(1).merge(r.get(0)));
  }

  @Property(tries = 1000)
  void merge_isAssociative(@ForAll long seed) {
    List<OrderRecord> r = replicas(seed, 3);
    OrderRecord a = r.get(0);
    OrderRecord b = r.get(1);
    OrderRecord c = r.get(2);
    assertThat(a.merge(b).merge(c)).isEqualTo(a.merge(b.merge(c)));
  }

  @Property(tries = 1000)
  void merge_isIdempotent(@ForAll long seed) {
    List<OrderRecord> r = replicas(seed, 2);
    OrderRecord ab = r.get(0).merge(r.get(1));
    assertThat(r.get(0).merge(r.get(0))).isEqualTo(r.get(0));
    assertThat(ab.merge(r.get(1))).isEqualTo(ab);
  }

  @Property(tries = 1000)
  void merge_neverLosesAnOpIdWithinRetention(@ForAll long seed) {
    List<OrderRecord> r = replicas(seed, 3);
    OrderRecord merged = r.get(0).merge(r.get(1)).merge(r.get(2));
    Set<Long> all = new HashSet<>();
    r.forEach(x -> all.addAll(x.appliedOps().entries().keySet()));
    if (all.size() <= OrderLimits.OP_ID_RETENTION) {
      assertThat(merged.appliedOps().entries().keySet()).containsExactlyInAnyOrderElementsOf(all);
    } else {
      assertThat(merged.appliedOps().entries()).hasSize(OrderLimits.OP_ID_RETENTION);
    }
  }

  @Property(tries = 1000)
  void merge_statusIsAtLeastEveryReplicasStatus(@ForAll long seed) {
    List<OrderRecord> r = replicas(seed, 3);
    OrderRecord merged = r.get(0).merge(r.get(1)).merge(r.get(2));
    for (OrderRecord x : r) {
      assertThat(merged.statuses().reached()).containsAll(x.statuses().reached());
      assertThat(merged.statuses().current().ordinal())
          .isGreaterThanOrEqualTo(x.statuses().current().ordinal());
      assertThat(merged.versions().compare(x.versions()))
          .isIn(VersionVector.Order.AFTER, VersionVector.Order.EQUAL);
    }
  }

  /**
   * {@code includes} answers exactly whether the join changes nothing, on replicas with few ops and
   * on replicas whose op ids crowd the retention bound, for every pair of replicas and joins.
   */
  @Property(tries = 300)
  void includes_isExactlyWhetherTheJoinIsTheRecordItself(@ForAll long seed) {
    for (int steps : new int[] {12, 150}) {
      List<OrderRecord> r = new RandomRecords(seed, ID).replicas(3, steps);
      OrderRecord ab = r.get(0).merge(r.get(1));
      List<OrderRecord> all = List.of(r.get(0), r.get(1), r.get(2), ab, ab.merge(r.get(2)));
      for (OrderRecord x : all) {
        for (OrderRecord y : all) {
          assertThat(x.includes(y)).isEqualTo(x.merge(y).equals(x));
          // each part on its own too: in real records the version vector alone often decides
          // (the set's own merge takes the absorbs shortcut, so the join is built here from
          // scratch)
          AppliedOps ops = x.appliedOps();
          TreeMap<Long, AppliedOps.Entry> union = new TreeMap<>(ops.entries());
          y.appliedOps().entries().forEach((k, e) -> union.merge(k, e, AppliedOps.Entry::later));
          assertThat(ops.absorbs(y.appliedOps())).isEqualTo(new AppliedOps(union).equals(ops));
          VersionVector v = x.versions();
          assertThat(v.includes(y.versions())).isEqualTo(v.merge(y.versions()).equals(v));
        }
      }
      assertThat(ab.includes(r.get(0))).isTrue();
      assertThat(ab.includes(r.get(1))).isTrue();
    }
  }

  @Property(tries = 300)
  void includes_aLaterVersionIncludesTheOneItWasWrittenOver(@ForAll long seed) {
    RandomRecords random = new RandomRecords(seed, ID);
    OrderRecord before = random.replicas(1, 150).get(0);
    OrderRecord after = null;
    // most random commands are illegal for a replica this far along: draw until one applies
    for (int attempt = 0; attempt < 100 && after == null; attempt++) {
      try {
        after =
            OrderCommands.apply(
                    before,
                    random.randomCommand(),
                    new Stamp(new HybridTimestamp(2_000, attempt), NodeId.of("n9")))
                .record();
      } catch (CommandRejectedException rejected) {
        // nothing was written over it: try another
      }
    }
    assertThat(after).as("a command that applies within 100 draws").isNotNull();
    assertThat(after.includes(before)).isTrue();
    assertThat(before.includes(after)).isFalse();
  }
}
