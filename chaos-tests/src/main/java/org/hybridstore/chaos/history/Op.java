package org.hybridstore.chaos.history;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One event of a history, in Jepsen's shape.
 *
 * <p>Values are plain Java data: {@code null} (Jepsen's {@code nil}), {@link Long} (other integral
 * numbers are widened to {@code Long}), {@link Double}, {@link Boolean}, {@link String} (keywords
 * are stored without the colon), unmodifiable {@link List}s (a cas value is {@code [expected,
 * new]}; a keyed value is Jepsen's independent tuple {@code [key, value]}) and unmodifiable {@link
 * Map}s with string keys. The compact constructor normalises and copies the value, so an {@code Op}
 * is deeply immutable. This class is threadsafe.
 *
 * @param index position in its history, or {@link #UNASSIGNED} before it is appended
 * @param timeNanos monotonic time of the event in nanoseconds (0 when unknown); real-time order is
 *     the history order, not this field
 * @param process the client process, or {@link #NEMESIS} for the nemesis and other non-client
 *     actors
 * @param type invocation or completion type
 * @param f the function, for example {@code "read"}, {@code "write"}, {@code "cas"}
 * @param value the argument (invocations) or result (completions), may be null
 * @param error an error description for FAIL/INFO completions, or null
 * @param node the node the client talked to, or null (our own runs only)
 * @param mode the store mode seen by the client, or null (our own runs only)
 */
public record Op(
    long index,
    long timeNanos,
    int process,
    OpType type,
    String f,
    @Nullable Object value,
    @Nullable String error,
    @Nullable String node,
    @Nullable String mode) {

  /** The index of an op that has not been appended to a history yet. */
  public static final long UNASSIGNED = -1;

  /** The process number of the nemesis (Jepsen's {@code :nemesis}); not a client process. */
  public static final int NEMESIS = -1;

  /**
   * Validates and normalises the fields.
   *
   * @throws IllegalArgumentException if index is below -1, process below -1, time negative, f
   *     blank, or the value holds an unsupported type
   * @throws NullPointerException if type or f is null
   */
  public Op {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(f, "f");
    if (index < UNASSIGNED) {
      throw new IllegalArgumentException("index must be >= -1: " + index);
    }
    if (process < NEMESIS) {
      throw new IllegalArgumentException("process must be >= 0, or -1 for the nemesis: " + process);
    }
    if (timeNanos < 0) {
      throw new IllegalArgumentException("timeNanos must be >= 0: " + timeNanos);
    }
    if (f.isBlank()) {
      throw new IllegalArgumentException("f must not be blank");
    }
    value = normalize(value);
  }

  /**
   * Creates an unindexed client or nemesis op without time, node or mode.
   *
   * @param process the process, or {@link #NEMESIS}
   * @param type the event type
   * @param f the function
   * @param value the value, may be null
   * @return the op, with index {@link #UNASSIGNED}
   */
  public static Op of(int process, OpType type, String f, @Nullable Object value) {
    return new Op(UNASSIGNED, 0, process, type, f, value, null, null, null);
  }

  /**
   * Creates an invocation.
   *
   * @param process the client process
   * @param f the function
   * @param value the argument, may be null
   * @return the op, unindexed
   */
  public static Op invoke(int process, String f, @Nullable Object value) {
    return of(process, OpType.INVOKE, f, value);
  }

  /**
   * Creates an OK completion.
   *
   * @param process the client process
   * @param f the function
   * @param value the result, may be null
   * @return the op, unindexed
   */
  public static Op ok(int process, String f, @Nullable Object value) {
    return of(process, OpType.OK, f, value);
  }

  /**
   * Creates a FAIL completion.
   *
   * @param process the client process
   * @param f the function
   * @param value the argument, may be null
   * @return the op, unindexed
   */
  public static Op fail(int process, String f, @Nullable Object value) {
    return of(process, OpType.FAIL, f, value);
  }

  /**
   * Creates an INFO completion (unknown outcome).
   *
   * @param process the client process
   * @param f the function
   * @param value the argument, may be null
   * @return the op, unindexed
   */
  public static Op info(int process, String f, @Nullable Object value) {
    return of(process, OpType.INFO, f, value);
  }

  /**
   * Tells whether a client process (not the nemesis) produced this event.
   *
   * @return true when {@code process >= 0}
   */
  public boolean isClient() {
    return process != NEMESIS;
  }

  /**
   * Returns a copy with another index.
   *
   * @param newIndex the index
   * @return the copy
   */
  public Op withIndex(long newIndex) {
    return new Op(newIndex, timeNanos, process, type, f, value, error, node, mode);
  }

  /**
   * Returns a copy with another time.
   *
   * @param newTimeNanos the time
   * @return the copy
   */
  public Op withTime(long newTimeNanos) {
    return new Op(index, newTimeNanos, process, type, f, value, error, node, mode);
  }

  /**
   * Returns a copy with an error description.
   *
   * @param newError the error, may be null
   * @return the copy
   */
  public Op withError(@Nullable String newError) {
    return new Op(index, timeNanos, process, type, f, value, newError, node, mode);
  }

  /**
   * Returns a copy with node and mode set.
   *
   * @param newNode the node, may be null
   * @param newMode the mode, may be null
   * @return the copy
   */
  public Op withNodeAndMode(@Nullable String newNode, @Nullable String newMode) {
    return new Op(index, timeNanos, process, type, f, value, error, newNode, newMode);
  }

  /**
   * Formats the op the way Jepsen prints it, for messages.
   *
   * @return for example {@code "#12 3 :ok :read 4"}
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    if (index != UNASSIGNED) {
      sb.append('#').append(index).append(' ');
    }
    sb.append(isClient() ? Integer.toString(process) : ":nemesis")
        .append(" :")
        .append(type.keyword())
        .append(" :")
        .append(f)
        .append(' ')
        .append(formatValue(value));
    if (error != null) {
      sb.append(" (").append(error).append(')');
    }
    if (node != null) {
      sb.append(" @").append(node);
    }
    if (mode != null) {
      sb.append(" [").append(mode).append(']');
    }
    return sb.toString();
  }

  /**
   * Formats a value like EDN: {@code nil}, numbers, quoted strings, {@code [a b]}.
   *
   * @param v a normalised value
   * @return the text
   */
  public static String formatValue(@Nullable Object v) {
    if (v == null) {
      return "nil";
    }
    if (v instanceof String s) {
      return '"' + s + '"';
    }
    if (v instanceof List<?> list) {
      StringBuilder sb = new StringBuilder("[");
      for (int i = 0; i < list.size(); i++) {
        if (i > 0) {
          sb.append(' ');
        }
        sb.append(formatValue(list.get(i)));
      }
      return sb.append(']').toString();
    }
    if (v instanceof Map<?, ?> map) {
      StringBuilder sb = new StringBuilder("{");
      boolean first = true;
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!first) {
          sb.append(", ");
        }
        first = false;
        sb.append(formatValue(e.getKey())).append(' ').append(formatValue(e.getValue()));
      }
      return sb.append('}').toString();
    }
    return String.valueOf(v);
  }

  /**
   * Normalises a value to the supported immutable shapes.
   *
   * @param v a value
   * @return the normalised value
   * @throws IllegalArgumentException for unsupported types
   */
  static @Nullable Object normalize(@Nullable Object v) {
    if (v == null
        || v instanceof Long
        || v instanceof String
        || v instanceof Boolean
        || v instanceof Double) {
      return v;
    }
    if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
      return ((Number) v).longValue();
    }
    if (v instanceof BigInteger b && b.bitLength() < 64) {
      return b.longValue();
    }
    if (v instanceof Float fl) {
      return fl.doubleValue();
    }
    if (v instanceof List<?> list) {
      List<Object> copy = new ArrayList<>(list.size());
      for (Object o : list) {
        copy.add(normalize(o));
      }
      return Collections.unmodifiableList(copy);
    }
    if (v instanceof Map<?, ?> map) {
      Map<String, Object> copy = new LinkedHashMap<>();
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (!(e.getKey() instanceof String k)) {
          throw new IllegalArgumentException("map keys must be strings: " + e.getKey());
        }
        copy.put(k, normalize(e.getValue()));
      }
      return Collections.unmodifiableMap(copy);
    }
    throw new IllegalArgumentException(
        "unsupported value type " + v.getClass().getName() + ": " + v);
  }
}
