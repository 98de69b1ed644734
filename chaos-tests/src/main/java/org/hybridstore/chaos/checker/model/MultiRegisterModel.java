package org.hybridstore.chaos.checker.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Several registers read and written together in transactions, as in Knossos' {@code
 * multi-register}.
 *
 * <p>Calls: {@code txn} whose value is a list of micro-ops {@code [f k v]}, f being {@code read}
 * (or {@code r}) or {@code write} (or {@code w}). The completion's value carries what the reads
 * returned. Registers start empty (nil); a nil read is judged by {@link NilReads} (Knossos treats
 * it as a wildcard). Transactions span keys, so the model is not partitioned. The state is an
 * immutable map from key to value. This class is immutable and threadsafe.
 */
public final class MultiRegisterModel implements Model<Map<Object, Object>> {

  private final NilReads nilReads;

  /**
   * Creates the model.
   *
   * @param nilReads how nil reads are judged
   */
  public MultiRegisterModel(NilReads nilReads) {
    this.nilReads = Objects.requireNonNull(nilReads, "nilReads");
  }

  @Override
  public String name() {
    return "multi-register";
  }

  @Override
  public Map<Object, Object> init() {
    return Map.of();
  }

  @Override
  public @Nullable Map<Object, Object> step(Map<Object, Object> state, Call call) {
    if (!call.f().equals("txn")) {
      throw Values.unsupported(name(), call);
    }
    Object source = call.outcome() == Call.Outcome.OK ? call.output() : call.input();
    if (!(source instanceof List<?> txn)) {
      throw new IllegalArgumentException(name() + ": expected a list of [f k v] in " + call);
    }
    Map<Object, Object> next = null;
    for (Object o : txn) {
      List<?> mop = Values.tuple(name(), call, o, 3);
      String f = String.valueOf(mop.get(0));
      Object k = mop.get(1);
      Object v = mop.get(2);
      Map<Object, Object> current = next == null ? state : next;
      switch (f) {
        case "r", "read" -> {
          if (call.outcome() != Call.Outcome.OK || (v == null && nilReads == NilReads.LENIENT)) {
            continue;
          }
          if (!Objects.equals(current.get(k), v)) {
            return null;
          }
        }
        case "w", "write" -> {
          if (call.outcome() == Call.Outcome.FAILED) {
            continue;
          }
          if (next == null) {
            next = new HashMap<>(state);
          }
          if (v == null) {
            next.remove(k);
          } else {
            next.put(k, v);
          }
        }
        default ->
            throw new IllegalArgumentException(
                name() + ": unsupported micro-op " + f + " in " + call);
      }
    }
    return next == null ? state : Map.copyOf(next);
  }
}
