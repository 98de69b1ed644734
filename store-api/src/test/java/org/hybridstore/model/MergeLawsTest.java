package org.hybridstore.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
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
}
