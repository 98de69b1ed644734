package org.hybridstore.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLine;
import org.hybridstore.OrderStatus;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The in-call fallback's law. A command whose etcd attempt committed although its answer was lost
 * is applied a second time, to the node's journal, under the same op id; later writes go through
 * etcd meanwhile, and the two copies are joined when the journal's record is folded in. Stamped
 * before the etcd attempt (by the node's clock, which stamps the etcd copy afterwards), the
 * journal's copy changes none of etcd's values. Stamped afresh at fallback time, as the store did
 * until an acknowledged STRONG write came back overwritten in a chaos run, it can bring the
 * command's values back over every write made since ({@link #aFreshStamp_canBringTheValueBack}).
 */
class FallbackCopyTest {
  private static final OrderId ID = OrderId.of("o-1");
  private static final NodeId SELF = NodeId.of("n1");
  private static final List<String> KEYS = List.of("a", "b", "c");

  /** A physical clock that moves 0-2 ms at each reading, so readings share milliseconds too. */
  private static InstantSource steppingTime(Random random) {
    AtomicLong millis = new AtomicLong(1_000_000);
    return () -> Instant.ofEpochMilli(millis.addAndGet(random.nextInt(3)));
  }

  @Property(tries = 2000)
  void aFallbackCopyStampedBeforeTheEtcdAttempt_changesNoValueEtcdHolds(@ForAll long seed) {
    Random random = new Random(seed);
    InstantSource time = steppingTime(random);
    HybridLogicalClock self = new HybridLogicalClock(time, Duration.ofSeconds(1));
    List<HybridLogicalClock> others =
        List.of(
            new HybridLogicalClock(time, Duration.ofSeconds(1)),
            new HybridLogicalClock(time, Duration.ofSeconds(1)));

    OrderRecord base = created(random, self);
    OrderRecord replica = base;
    OrderCommand command = randomCommand(random, "op-c");
    // the router reads the fallback's stamp (the clock has observed the replica), then the etcd
    // attempt stamps its own copy
    Stamp fallbackStamp = new Stamp(self.now(), SELF);
    OrderRecord etcd = applied(base, command, self, SELF);
    if (etcd == null) {
      return; // rejected: there is no second copy to join
    }
    List<OrderRecord> etcdVersions = new ArrayList<>(List.of(etcd));
    int later = random.nextInt(6);
    for (int i = 0; i < later; i++) {
      int writer = random.nextInt(3);
      HybridLogicalClock clock = writer == 0 ? self : others.get(writer - 1);
      OrderRecord next =
          applied(etcd, randomCommand(random, "op-" + i), clock, NodeId.of("n" + (writer + 1)));
      if (next != null) {
        etcd = next;
        etcdVersions.add(etcd);
      }
    }
    // the node's mirror may have caught up with some of etcd's versions before the fallback
    if (random.nextBoolean()) {
      replica = replica.merge(etcdVersions.get(random.nextInt(etcdVersions.size())));
    }
    OrderRecord fallback;
    try {
      fallback = OrderCommands.apply(replica, command, fallbackStamp).record();
    } catch (CommandRejectedException e) {
      return; // the journal refused its copy: nothing to join
    }

    assertSameValues(etcd.merge(fallback), etcd);
  }

  @Test
  void aFreshStamp_canBringTheValueBack() {
    // the defect the stamp rule removes, kept so the law above is known to be able to fail
    AtomicLong millis = new AtomicLong(1_000_000);
    InstantSource time = () -> Instant.ofEpochMilli(millis.get());
    HybridLogicalClock self = new HybridLogicalClock(time, Duration.ofSeconds(1));
    OrderRecord base = created(new Random(1), self);
    OrderCommand first = new OrderCommand.SetAttribute(ID, OpId.of("op-c"), "a", "first");
    millis.addAndGet(10);
    OrderRecord etcd = OrderCommands.apply(base, first, self, SELF).record();
    millis.addAndGet(10);
    etcd =
        OrderCommands.apply(
                etcd,
                new OrderCommand.SetAttribute(ID, OpId.of("op-1"), "a", "second"),
                new HybridLogicalClock(time, Duration.ofSeconds(1)),
                NodeId.of("n2"))
            .record();
    millis.addAndGet(10); // the strong-write deadline passes
    OrderRecord fallback = OrderCommands.apply(base, first, self, SELF).record();

    assertThat(etcd.merge(fallback).toOrder().attributes()).containsEntry("a", "first");
  }

  private static void assertSameValues(OrderRecord actual, OrderRecord expected) {
    assertThat(actual.customer()).isEqualTo(expected.customer());
    assertThat(actual.currency()).isEqualTo(expected.currency());
    assertThat(actual.lines()).isEqualTo(expected.lines());
    assertThat(actual.attributes()).isEqualTo(expected.attributes());
    assertThat(actual.statuses()).isEqualTo(expected.statuses());
  }

  private static OrderRecord created(Random random, HybridLogicalClock clock) {
    OrderRecord r =
        OrderCommands.apply(
                null, OrderCommand.Create.of(ID, OpId.of("op-create"), "alice", "EUR"), clock, SELF)
            .record();
    for (String sku : KEYS) {
      if (random.nextBoolean()) {
        r =
            OrderCommands.apply(
                    r,
                    new OrderCommand.AddLine(
                        ID, OpId.of("op-add-" + sku), new OrderLine(sku, 1, 100)),
                    clock,
                    SELF)
                .record();
      }
    }
    return r;
  }

  private static OrderCommand randomCommand(Random random, String op) {
    OpId opId = OpId.of(op + "-" + random.nextInt(1_000_000));
    String key = KEYS.get(random.nextInt(KEYS.size()));
    return switch (random.nextInt(7)) {
      case 0 -> new OrderCommand.SetAttribute(ID, opId, key, "v" + random.nextInt(100));
      case 1 -> new OrderCommand.RemoveAttribute(ID, opId, key);
      case 2 -> new OrderCommand.AddLine(ID, opId, new OrderLine(key, 1 + random.nextInt(5), 100));
      case 3 -> new OrderCommand.AdjustQuantity(ID, opId, key, 1);
      case 4 -> new OrderCommand.RemoveLine(ID, opId, key);
      case 5 -> new OrderCommand.Transition(ID, opId, OrderStatus.PAID);
      default -> new OrderCommand.SetAttribute(ID, opId, "a", "v" + random.nextInt(100));
    };
  }

  private static @Nullable OrderRecord applied(
      OrderRecord current, OrderCommand command, HybridLogicalClock clock, NodeId node) {
    try {
      return OrderCommands.apply(current, command, clock, node).record();
    } catch (CommandRejectedException e) {
      return null;
    }
  }
}
