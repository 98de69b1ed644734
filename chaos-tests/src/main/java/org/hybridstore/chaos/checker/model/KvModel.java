package org.hybridstore.chaos.checker.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hybridstore.chaos.history.Op;
import org.jspecify.annotations.Nullable;

/**
 * A key-value store with get, put and append, as in Porcupine's kv model: every key starts as the
 * empty string, and {@code ""} means absent.
 *
 * <p>Calls carry Jepsen's independent tuple {@code [key value]}: {@code get} (output {@code [key
 * read]}), {@code put} (input {@code [key new]}), {@code append} (input {@code [key suffix]}). The
 * partition key is the key, so histories are checked key by key. The state is an immutable map from
 * key to non-empty string; {@link #forPartition} gives the model of one key, whose state is just
 * that key's string (as in Porcupine's kv model). As a {@link RegisterLike} each key is a register
 * starting at {@code ""}. This class is immutable and threadsafe.
 */
public final class KvModel implements Model<Map<Object, String>>, RegisterLike {

  @Override
  public String name() {
    return "kv";
  }

  @Override
  public Map<Object, String> init() {
    return Map.of();
  }

  @Override
  public @Nullable Map<Object, String> step(Map<Object, String> state, Call call) {
    List<?> in = Values.tuple(name(), call, call.input(), 2);
    Object key = in.get(0);
    String current = state.getOrDefault(key, "");
    switch (call.f()) {
      case "get" -> {
        if (call.outcome() != Call.Outcome.OK) {
          return state;
        }
        Object read = Values.tuple(name(), call, call.output(), 2).get(1);
        return current.equals(read == null ? "" : read) ? state : null;
      }
      case "put" -> {
        return call.outcome() == Call.Outcome.FAILED ? state : with(state, key, str(in.get(1)));
      }
      case "append" -> {
        return call.outcome() == Call.Outcome.FAILED
            ? state
            : with(state, key, current + str(in.get(1)));
      }
      default -> throw Values.unsupported(name(), call);
    }
  }

  @Override
  public @Nullable Object partitionKey(Call call) {
    return call.input() instanceof List<?> l && l.size() == 2 ? l.get(0) : null;
  }

  @Override
  public boolean canChangeState(Call call) {
    return !call.f().equals("get");
  }

  @Override
  public Model<?> forPartition(Object key) {
    return new KeyModel(key);
  }

  @Override
  public @Nullable Object initialValue() {
    return "";
  }

  @Override
  public @Nullable Access access(Call call) {
    return kvAccess(call);
  }

  private static @Nullable Access kvAccess(Call call) {
    if (!(call.input() instanceof List<?> in) || in.size() != 2) {
      return null;
    }
    Object key = in.get(0);
    boolean failed = call.outcome() == Call.Outcome.FAILED;
    switch (call.f()) {
      case "get" -> {
        if (call.outcome() != Call.Outcome.OK) {
          return new Access(key, Effect.NONE, null, null);
        }
        if (!(call.output() instanceof List<?> out) || out.size() != 2) {
          return null;
        }
        return new Access(key, Effect.READ, str(out.get(1)), null);
      }
      case "put" -> {
        return failed
            ? new Access(key, Effect.NONE, null, null)
            : new Access(key, Effect.WRITE, null, str(in.get(1)));
      }
      case "append" -> {
        return failed
            ? new Access(key, Effect.NONE, null, null)
            : new Access(key, Effect.APPEND, null, str(in.get(1)));
      }
      default -> {
        return null;
      }
    }
  }

  /**
   * The kv model restricted to one key: the state is that key's string. Accepts exactly the
   * sequences of that key's calls that {@link KvModel} accepts, with far cheaper states.
   */
  private static final class KeyModel implements Model<String>, RegisterLike {
    private final Object key;

    KeyModel(Object key) {
      this.key = key;
    }

    @Override
    public String name() {
      return "kv";
    }

    @Override
    public String init() {
      return "";
    }

    @Override
    public @Nullable String step(String state, Call call) {
      List<?> in = Values.tuple(name(), call, call.input(), 2);
      switch (call.f()) {
        case "get" -> {
          if (call.outcome() != Call.Outcome.OK) {
            return state;
          }
          Object read = Values.tuple(name(), call, call.output(), 2).get(1);
          return state.equals(read == null ? "" : read) ? state : null;
        }
        case "put" -> {
          return call.outcome() == Call.Outcome.FAILED ? state : str(in.get(1));
        }
        case "append" -> {
          return call.outcome() == Call.Outcome.FAILED ? state : state.concat(str(in.get(1)));
        }
        default -> throw Values.unsupported(name(), call);
      }
    }

    @Override
    public boolean canChangeState(Call call) {
      return !call.f().equals("get");
    }

    @Override
    public String describe(String s) {
      return s.isEmpty() ? "{}" : Op.formatValue(Map.of(String.valueOf(key), s));
    }

    @Override
    public @Nullable Object initialValue() {
      return "";
    }

    @Override
    public @Nullable Access access(Call call) {
      return kvAccess(call);
    }
  }

  @Override
  public String describe(Map<Object, String> state) {
    return Op.formatValue(sorted(state));
  }

  private static Map<String, Object> sorted(Map<Object, String> state) {
    Map<String, Object> out = new TreeMap<>();
    state.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }

  private static String str(@Nullable Object o) {
    return o == null ? "" : o.toString();
  }

  private static Map<Object, String> with(Map<Object, String> state, Object key, String value) {
    Map<Object, String> next = new HashMap<>(state);
    if (value.isEmpty()) {
      next.remove(key);
    } else {
      next.put(key, value);
    }
    return Map.copyOf(next);
  }
}
