package org.hybridstore.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderLimits;

/** The bounded op-id set stays a join when the bound cuts, and keeps the newest entries. */
class AppliedOpsRetentionTest {

  static AppliedOps randomOps(Random random, int size, List<OpId> pool) {
    AppliedOps ops = AppliedOps.EMPTY;
    for (int i = 0; i < size; i++) {
      OpId op = pool.get(random.nextInt(pool.size()));
      ops =
          ops.with(
              op,
              new AppliedOps.Entry(
                  random.nextInt(2),
                  new Stamp(
                      new HybridTimestamp(random.nextInt(400), random.nextInt(2)),
                      NodeId.of("n" + random.nextInt(3)))));
    }
    return ops;
  }

  static List<OpId> pool(int n) {
    List<OpId> pool = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      pool.add(OpId.of("op-" + i));
    }
    return pool;
  }

  @Property(tries = 1000)
  void merge_isAJoinAcrossTheRetentionCut(@ForAll long seed) {
    Random random = new Random(seed);
    List<OpId> pool = pool(OrderLimits.OP_ID_RETENTION * 2);
    AppliedOps a = randomOps(random, random.nextInt(200), pool);
    AppliedOps b = randomOps(random, random.nextInt(200), pool);
    AppliedOps c = randomOps(random, random.nextInt(200), pool);
    assertThat(a.merge(b)).isEqualTo(b.merge(a));
    assertThat(a.merge(b).merge(c)).isEqualTo(a.merge(b.merge(c)));
    assertThat(a.merge(a)).isEqualTo(a);
    assertThat(a.merge(b).entries().size()).isLessThanOrEqualTo(OrderLimits.OP_ID_RETENTION);
  }

  @Property(tries = 1000)
  void crowdsOut_meansNoLaterJoinHoldsTheEntry_andOtherwiseSomeJoinCan(@ForAll long seed) {
    Random random = new Random(seed);
    List<OpId> pool = pool(OrderLimits.OP_ID_RETENTION * 2);
    AppliedOps etcd = randomOps(random, random.nextInt(200), pool);
    OpId op = OpId.of("the-write");
    AppliedOps.Entry entry =
        new AppliedOps.Entry(
            1, new Stamp(new HybridTimestamp(random.nextInt(400), 0), NodeId.of("n1")));
    AppliedOps copy = randomOps(random, random.nextInt(40), pool).with(op, entry);
    if (etcd.crowdsOut(op, entry)) {
      // whatever joins it later, and in whatever order, the entry never comes back
      AppliedOps later = etcd.merge(copy);
      assertThat(later.contains(op)).isFalse();
      later = later.merge(randomOps(random, random.nextInt(100), pool));
      assertThat(later.contains(op)).isFalse();
      assertThat(later.crowdsOut(op, entry)).isTrue();
    } else {
      // a copy that holds nothing else is still kept by the join
      assertThat(etcd.merge(AppliedOps.EMPTY.with(op, entry)).contains(op)).isTrue();
    }
  }

  @Property(tries = 200)
  void with_keepsTheNewestEntries(@ForAll long seed) {
    Random random = new Random(seed);
    AppliedOps ops = AppliedOps.EMPTY;
    int n = OrderLimits.OP_ID_RETENTION + 1 + random.nextInt(50);
    for (int i = 0; i < n; i++) {
      ops =
          ops.with(
              OpId.of("op-" + i),
              new AppliedOps.Entry(7L, new Stamp(new HybridTimestamp(i, 0), NodeId.of("n"))));
    }
    assertThat(ops.entries()).hasSize(OrderLimits.OP_ID_RETENTION);
    assertThat(ops.get(OpId.of("op-" + (n - 1)))).isPresent();
    assertThat(ops.get(OpId.of("op-0"))).isEmpty();
  }

  /**
   * The definition: the union, each key's later entry, then the newest entries by stamp and key.
   */
  private static TreeMap<Long, AppliedOps.Entry> reference(
      Map<Long, AppliedOps.Entry> a, Map<Long, AppliedOps.Entry> b) {
    Map<Long, AppliedOps.Entry> union = new HashMap<>(a);
    b.forEach((k, e) -> union.merge(k, e, AppliedOps.Entry::later));
    List<Map.Entry<Long, AppliedOps.Entry>> all = new ArrayList<>(union.entrySet());
    all.sort(
        (x, y) -> {
          int c = y.getValue().stamp().compareTo(x.getValue().stamp());
          return c != 0 ? c : Long.compare(y.getKey(), x.getKey());
        });
    TreeMap<Long, AppliedOps.Entry> kept = new TreeMap<>();
    all.stream()
        .limit(OrderLimits.OP_ID_RETENTION)
        .forEach(e -> kept.put(e.getKey(), e.getValue()));
    return kept;
  }

  @Property(tries = 1000)
  void withAndMerge_keepExactlyTheNewestEntriesOfTheUnion(@ForAll long seed) {
    Random random = new Random(seed);
    List<OpId> pool = pool(OrderLimits.OP_ID_RETENTION * 2);
    AppliedOps a = randomOps(random, random.nextInt(200), pool);
    AppliedOps b = randomOps(random, random.nextInt(200), pool);
    assertThat(a.merge(b).entries()).isEqualTo(reference(a.entries(), b.entries()));
    OpId op = pool.get(random.nextInt(pool.size()));
    AppliedOps.Entry entry =
        new AppliedOps.Entry(
            1, new Stamp(new HybridTimestamp(random.nextInt(400), 0), NodeId.of("n1")));
    assertThat(a.with(op, entry).entries())
        .isEqualTo(reference(a.entries(), Map.of(op.key(), entry)));
  }

  @Property(tries = 1000)
  void merge_ofASetWithOneDescendedFromIt_isTheDefinition_andTheLaterSetItselfWhenItHoldsAll(
      @ForAll long seed) {
    Random random = new Random(seed);
    List<OpId> pool = pool(OrderLimits.OP_ID_RETENTION * 2);
    AppliedOps before = randomOps(random, random.nextInt(200), pool);
    // later versions: a few more writes, most of them stamped after everything before (as a
    // replica absorbing etcd's next version sees them), some at any time
    AppliedOps after = before;
    int writes = 1 + random.nextInt(3);
    for (int i = 0; i < writes; i++) {
      int time = random.nextInt(4) == 0 ? random.nextInt(400) : 400 + random.nextInt(100);
      after =
          after.with(
              OpId.of("new-" + random.nextInt(1000)),
              new AppliedOps.Entry(
                  random.nextInt(2), new Stamp(new HybridTimestamp(time, 0), NodeId.of("n1"))));
    }
    TreeMap<Long, AppliedOps.Entry> join = reference(before.entries(), after.entries());
    assertThat(before.merge(after).entries()).isEqualTo(join);
    assertThat(after.merge(before).entries()).isEqualTo(join);
    if (join.equals(after.entries())) {
      // no set is built: the result is the later set itself (or the earlier one, if they are equal)
      AppliedOps expected = before.equals(after) ? before : after;
      assertThat(before.merge(after)).isSameAs(expected);
      assertThat(after.merge(before)).isSameAs(after);
    }
  }

  @Property(tries = 300)
  void equals_isTheEqualityOfTheEntries_whateverOrderTheGivenMapKept(@ForAll long seed) {
    Random random = new Random(seed);
    List<OpId> pool = pool(OrderLimits.OP_ID_RETENTION * 2);
    AppliedOps a = randomOps(random, random.nextInt(100), pool);
    AppliedOps b = randomOps(random, random.nextInt(100), pool);
    assertThat(a.equals(b)).isEqualTo(a.entries().equals(b.entries()));
    TreeMap<Long, AppliedOps.Entry> reversed = new TreeMap<>(Comparator.<Long>reverseOrder());
    reversed.putAll(a.entries());
    AppliedOps again = new AppliedOps(reversed);
    assertThat(again).isEqualTo(a);
    assertThat(again.hashCode()).isEqualTo(a.hashCode());
    assertThat(again.entries().keySet()).containsExactlyElementsOf(a.entries().keySet());
  }
}
