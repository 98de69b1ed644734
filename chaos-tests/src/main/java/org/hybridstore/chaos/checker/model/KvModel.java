package org.hybridstore.chaos.checker.model;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.hybridstore.chaos.history.Op;

/**
 * A key-value store with get, put and append, as in Porcupine's kv model: every key starts as
 * the empty string, and {@code ""} means absent.
 *
 * <p>Calls carry Jepsen's independent tuple {@code [key value]}: {@code get} (output
 * {@code [key read]}), {@code put} (input {@code [key new]}), {@code append} (input
 * {@code [key suffix]}). The partition key is the key, so histories are checked key by key. The
 * state is an immutable map from key to non-empty string. This class is immutable and threadsafe.
 */
public final class KvModel implements Model<Map<Object, String>> {

    @Override
    public String name() {
        return "kv";
    }

    @Override
    public Map<Object, String> init() {
        return Map.of();
    }

    @Override
    public Map<Object, String> step(Map<Object, String> state, Call call) {
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
                return call.outcome() == Call.Outcome.FAILED ? state : with(state, key, current + str(in.get(1)));
            }
            default -> throw Values.unsupported(name(), call);
        }
    }

    @Override
    public Object partitionKey(Call call) {
        return call.input() instanceof List<?> l && l.size() == 2 ? l.get(0) : null;
    }

    @Override
    public boolean canChangeState(Call call) {
        return !call.f().equals("get");
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

    private static String str(Object o) {
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
