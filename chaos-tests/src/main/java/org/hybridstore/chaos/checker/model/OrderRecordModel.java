package org.hybridstore.chaos.checker.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.hybridstore.CommandRejectedException;
import org.hybridstore.NodeId;
import org.hybridstore.Order;
import org.hybridstore.OrderCommand;
import org.hybridstore.OrderLine;
import org.hybridstore.codec.CommandCodec;
import org.hybridstore.model.HybridTimestamp;
import org.hybridstore.model.OrderCommands;
import org.hybridstore.model.OrderRecord;
import org.hybridstore.model.Stamp;
import org.jspecify.annotations.Nullable;

/**
 * One order as a sequential object: commands applied one after another with the store's own apply
 * function ({@link OrderCommands#apply}), reads returning the order.
 *
 * <p>Calls: {@code apply} with a command as input, in the JSON-map form of {@link CommandCodec}
 * (OK: it was applied, or was a duplicate; FAILED with a rejection: it was rejected in this state);
 * {@code read} with the order id as input and the order read as output in the map form of {@link
 * #orderView(Order)} (null for "no such order"). Reads compare status, customer, currency, lines
 * and attributes (not the version, which counts merges too). Partitioned by order id. The state is
 * the record plus a step counter that stamps each applied command later than the one before, as a
 * single correct copy would.
 */
public final class OrderRecordModel implements Model<OrderRecordModel.State> {
  private static final NodeId MODEL_NODE = NodeId.of("model");
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The model's state: the order's record (null before it is created).
   *
   * @param record the record, or null
   * @param step how many commands were applied, used as the next stamp
   */
  public record State(@Nullable OrderRecord record, long step) {
    @Override
    public boolean equals(Object o) {
      // Two states behave the same when the order and the remembered op ids are the same; the
      // stamps inside differ between interleavings but never change a sequential outcome.
      if (!(o instanceof State s)) {
        return false;
      }
      if (record == null || s.record == null) {
        return record == null && s.record == null;
      }
      return view(record.toOrder()).equals(view(s.record.toOrder()))
          && opIds(record).equals(opIds(s.record));
    }

    @Override
    public int hashCode() {
      return record == null ? 0 : Objects.hash(view(record.toOrder()), opIds(record));
    }
  }

  private static Set<Long> opIds(OrderRecord r) {
    return r.appliedOps().entries().keySet();
  }

  private static Object view(Order o) {
    return orderView(o);
  }

  /**
   * Returns the map form of an order that reads are compared in: {@code status}, {@code customer},
   * {@code currency}, {@code lines} (a list of {@code {sku, qty, price}}, by SKU) and {@code
   * attributes}.
   *
   * @param o the order
   * @return the map
   */
  public static Map<String, Object> orderView(Order o) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("status", o.status().name());
    m.put("customer", o.customer());
    m.put("currency", o.currency());
    List<Object> lines = new ArrayList<>();
    for (OrderLine l : o.lines()) {
      lines.add(Map.of("sku", l.sku(), "qty", (long) l.quantity(), "price", l.unitPriceMinor()));
    }
    m.put("lines", lines);
    m.put("attributes", new LinkedHashMap<>(o.attributes()));
    return m;
  }

  /**
   * Reduces an order map as the service returns it to the compared fields.
   *
   * @param read the map read
   * @return the map with only the compared fields
   */
  static Map<String, Object> readView(Map<?, ?> read) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (String k : List.of("status", "customer", "currency", "lines", "attributes")) {
      m.put(k, read.get(k));
    }
    return m;
  }

  private static OrderCommand command(@Nullable Object input) {
    if (input instanceof OrderCommand c) {
      return c;
    }
    if (input instanceof Map<?, ?> map) {
      return CommandCodec.fromJson(JSON.valueToTree(map));
    }
    throw new IllegalArgumentException(
        "order-record: apply's input must be a command map, was " + input);
  }

  @Override
  public String name() {
    return "order-record";
  }

  @Override
  public State init() {
    return new State(null, 0);
  }

  @Override
  public @Nullable State step(State state, Call call) {
    switch (call.f()) {
      case "read" -> {
        if (call.outcome() != Call.Outcome.OK) {
          return state;
        }
        Object read = call.output();
        if (read == null) {
          return state.record() == null ? state : null;
        }
        if (!(read instanceof Map<?, ?> order)) {
          throw new IllegalArgumentException(
              "order-record: a read's output must be an order map, was " + read);
        }
        OrderRecord held = state.record();
        return held != null && view(held.toOrder()).equals(readView(order)) ? state : null;
      }
      case "apply" -> {
        OrderCommand command = command(call.input());
        Stamp stamp = new Stamp(new HybridTimestamp(state.step() + 1, 0), MODEL_NODE);
        try {
          OrderRecord next = OrderCommands.apply(state.record(), command, stamp).record();
          return call.outcome() == Call.Outcome.FAILED ? null : new State(next, state.step() + 1);
        } catch (CommandRejectedException rejected) {
          // Rejected in this state: consistent with a FAILED call only.
          return call.outcome() == Call.Outcome.OK ? null : state;
        }
      }
      default -> throw new IllegalArgumentException("order-record: unknown function " + call.f());
    }
  }

  @Override
  public @Nullable Object partitionKey(Call call) {
    if (call.f().equals("apply")) {
      return command(call.input()).orderId().value();
    }
    return call.input();
  }

  @Override
  public boolean canChangeState(Call call) {
    return !call.f().equals("read");
  }
}
