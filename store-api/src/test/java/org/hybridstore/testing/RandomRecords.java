package org.hybridstore.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.NodeId;
import org.hybridstore.OpId;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderId;
import org.hybridstore.OrderLine;
import org.hybridstore.OrderStatus;
import org.hybridstore.model.HybridTimestamp;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;

/**
 * Realistic random replicas of one order: a common create, then each replica applies its own random
 * commands (on its own node, with its own clock readings) and now and then merges another replica's
 * state, as gossip would. Deterministic for a seed.
 */
public final class RandomRecords {
  private static final String[] SKUS = {"sku-a", "sku-b", "sku-c", "sku-d"};
  private static final String[] KEYS = {"note", "gift", "channel"};

  private final Random random;
  private final OrderId id;
  private long opCounter;

  /**
   * Creates a generator.
   *
   * @param seed the seed
   * @param id the order all replicas belong to
   */
  public RandomRecords(long seed, OrderId id) {
    this.random = new Random(seed);
    this.id = id;
  }

  /**
   * Returns {@code count} replicas of the order after up to {@code maxSteps} steps each.
   *
   * @param count how many replicas (nodes n0..)
   * @param maxSteps the most commands or merges per replica
   * @return the replicas
   */
  public List<OrderRecord> replicas(int count, int maxSteps) {
    OrderRecord base =
        OrderCommands.apply(
                null,
                OrderCommand.Create.of(id, nextOp(), "c-1", "EUR"),
                new Stamp(new HybridTimestamp(1_000, 0), NodeId.of("n0")))
            .record();
    List<OrderRecord> replicas = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      replicas.add(base);
    }
    int steps = random.nextInt(maxSteps + 1);
    for (int s = 0; s < steps * count; s++) {
      int i = random.nextInt(count);
      if (random.nextInt(5) == 0) {
        replicas.set(i, replicas.get(i).merge(replicas.get(random.nextInt(count))));
      } else {
        Stamp stamp =
            new Stamp(
                new HybridTimestamp(1_000 + random.nextInt(50), random.nextInt(3)),
                NodeId.of("n" + i));
        try {
          replicas.set(i, OrderCommands.apply(replicas.get(i), randomCommand(), stamp).record());
        } catch (CommandRejectedException rejected) {
          // Illegal transitions and locked lines are part of a realistic mix: the replica stays as
          // it was.
        }
      }
    }
    return replicas;
  }

  /** Returns a random non-create command for the order. */
  public OrderCommand randomCommand() {
    OpId op = nextOp();
    return switch (random.nextInt(8)) {
      case 0 ->
          new OrderCommand.Transition(
              id,
              op,
              List.of(
                      OrderStatus.PAID,
                      OrderStatus.FULFILLING,
                      OrderStatus.SHIPPED,
                      OrderStatus.DELIVERED)
                  .get(random.nextInt(4)));
      case 1 -> new OrderCommand.Cancel(id, op, "reason-" + random.nextInt(3));
      case 2 ->
          new OrderCommand.SetAttribute(
              id, op, KEYS[random.nextInt(KEYS.length)], "v" + random.nextInt(5));
      case 3 -> new OrderCommand.RemoveAttribute(id, op, KEYS[random.nextInt(KEYS.length)]);
      case 4 ->
          new OrderCommand.AddLine(
              id,
              op,
              new OrderLine(
                  SKUS[random.nextInt(SKUS.length)],
                  1 + random.nextInt(3),
                  100L * random.nextInt(5)));
      case 5 -> new OrderCommand.RemoveLine(id, op, SKUS[random.nextInt(SKUS.length)]);
      case 6 ->
          new OrderCommand.AdjustQuantity(
              id,
              op,
              SKUS[random.nextInt(SKUS.length)],
              random.nextBoolean() ? 1 + random.nextInt(2) : -1);
      default -> new OrderCommand.Transition(id, op, OrderStatus.PAID);
    };
  }

  /** Returns a create command for a fresh order id, with random lines. */
  public OrderCommand.Create randomCreate(OrderId orderId) {
    List<OrderLine> lines = new ArrayList<>();
    for (String sku : SKUS) {
      if (random.nextBoolean()) {
        lines.add(new OrderLine(sku, 1 + random.nextInt(9), random.nextInt(10_000)));
      }
    }
    TreeMap<String, String> attributes = new TreeMap<>();
    if (random.nextBoolean()) {
      attributes.put("note", "hello \"world\" ü");
    }
    return new OrderCommand.Create(
        orderId, nextOp(), "customer-" + random.nextInt(100), "EUR", lines, attributes);
  }

  private OpId nextOp() {
    return OpId.of("op-" + (opCounter++) + "-" + Long.toHexString(random.nextLong()));
  }
}
