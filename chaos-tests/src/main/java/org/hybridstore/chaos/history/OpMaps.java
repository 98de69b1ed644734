package org.hybridstore.chaos.history;

import java.util.Arrays;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Converts Jepsen op maps (already converted to Java data, keys without colons) to {@link Op}s.
 *
 * <p>Recognised keys: {@code process} (an integer, anything else means a non-client process such as
 * {@code :nemesis}), {@code type}, {@code f}, {@code value}, {@code time}, {@code error}, {@code
 * node}, {@code mode} and {@code key}. A {@code key} turns the value into Jepsen's independent
 * tuple {@code [key value]} (Porcupine's kv data). {@code index} is ignored: the history assigns
 * indexes in file order.
 */
final class OpMaps {

  private OpMaps() {}

  /**
   * Converts one op map.
   *
   * @param m the map
   * @return the op, unindexed
   * @throws IllegalArgumentException when a required key is missing or has the wrong type
   */
  static Op toOp(Map<?, ?> m) {
    Object typeName = m.get("type");
    if (!(typeName instanceof String t)) {
      throw new IllegalArgumentException("op map without :type: " + Op.formatValue(m));
    }
    OpType type = OpType.parse(t);
    Object fName = m.get("f");
    if (fName == null) {
      throw new IllegalArgumentException("op map without :f: " + Op.formatValue(m));
    }
    String f = fName instanceof String s ? s : Op.formatValue(fName);
    Object p = m.get("process");
    int process;
    if (p instanceof Long l && l >= 0 && l <= Integer.MAX_VALUE) {
      process = (int) (long) l;
    } else if (p instanceof Integer i && i >= 0) {
      process = i;
    } else if (p == null) {
      throw new IllegalArgumentException("op map without :process: " + Op.formatValue(m));
    } else {
      process = Op.NEMESIS;
    }
    Object value = m.get("value");
    if (m.containsKey("key")) {
      value = Arrays.asList(m.get("key"), value);
    }
    long time = 0;
    if (m.get("time") instanceof Number n) {
      time = Math.max(0, n.longValue());
    }
    Object error = m.get("error");
    return new Op(
        Op.UNASSIGNED,
        time,
        process,
        type,
        f,
        value,
        error == null ? null : (error instanceof String s ? s : Op.formatValue(error)),
        stringOrNull(m.get("node")),
        stringOrNull(m.get("mode")));
  }

  private static @Nullable String stringOrNull(@Nullable Object o) {
    return o == null ? null : o instanceof String s ? s : Op.formatValue(o);
  }

  /**
   * Converts a Jepsen process field for writing.
   *
   * @param op the op
   * @return the process number, or the string {@code "nemesis"}
   */
  static Object processField(Op op) {
    return op.isClient() ? (Object) (long) op.process() : "nemesis";
  }
}
