package org.hybridstore.chaos.checker.model;

import java.util.List;
import java.util.Objects;
import org.hybridstore.chaos.history.Op;
import org.jspecify.annotations.Nullable;

/**
 * A register with read, write and compare-and-set, as in Knossos' {@code cas-register} and
 * Porcupine's etcd model.
 *
 * <p>Calls: {@code read} (output: the value read, nil for an empty register), {@code write} (input:
 * the value), {@code cas} (input: {@code [expected new]}). The register starts at the given initial
 * value (nil by default, i.e. empty). A nil read is judged by {@link NilReads}. A failed cas (when
 * failed calls are kept) is allowed only when the register differs from the expected value. The
 * state is the register's value, with a private marker for nil. As a {@link RegisterLike} it is one
 * register. This class is immutable and threadsafe.
 */
public final class CasRegisterModel implements Model<Object>, RegisterLike {

  /** The state of an empty (nil) register. */
  private static final Object EMPTY =
      new Object() {
        @Override
        public String toString() {
          return "nil";
        }
      };

  private final Object initial;
  private final NilReads nilReads;

  /**
   * Creates the model.
   *
   * @param initial the initial value, null for an empty register
   * @param nilReads how nil reads are judged
   */
  public CasRegisterModel(@Nullable Object initial, NilReads nilReads) {
    this.initial = toState(initial);
    this.nilReads = Objects.requireNonNull(nilReads, "nilReads");
  }

  /**
   * Creates the model of the reference histories: empty register, strict nil reads.
   *
   * @return the model
   */
  public static CasRegisterModel emptyStrict() {
    return new CasRegisterModel(null, NilReads.STRICT);
  }

  @Override
  public String name() {
    return "cas-register";
  }

  @Override
  public Object init() {
    return initial;
  }

  @Override
  public @Nullable Object step(Object state, Call call) {
    switch (call.f()) {
      case "read" -> {
        if (call.outcome() != Call.Outcome.OK) {
          return state;
        }
        Object read = call.output();
        if (read == null && nilReads == NilReads.LENIENT) {
          return state;
        }
        return state.equals(toState(read)) ? state : null;
      }
      case "write" -> {
        return call.outcome() == Call.Outcome.FAILED ? state : toState(call.input());
      }
      case "cas" -> {
        List<?> v = Values.tuple(name(), call, call.input(), 2);
        boolean matches = state.equals(toState(v.get(0)));
        if (call.outcome() == Call.Outcome.FAILED) {
          return matches ? null : state;
        }
        return matches ? toState(v.get(1)) : null;
      }
      default -> throw Values.unsupported(name(), call);
    }
  }

  @Override
  public @Nullable Object initialValue() {
    return initial == EMPTY ? null : initial;
  }

  @Override
  public @Nullable Access access(Call call) {
    boolean ok = call.outcome() == Call.Outcome.OK;
    switch (call.f()) {
      case "read" -> {
        if (!ok || (call.output() == null && nilReads == NilReads.LENIENT)) {
          return new Access(name(), Effect.NONE, null, null);
        }
        return new Access(name(), Effect.READ, call.output(), null);
      }
      case "write" -> {
        return call.outcome() == Call.Outcome.FAILED
            ? new Access(name(), Effect.NONE, null, null)
            : new Access(name(), Effect.WRITE, null, call.input());
      }
      case "cas" -> {
        if (!(call.input() instanceof List<?> v) || v.size() != 2) {
          return null;
        }
        // A failed cas only observes that the value differed: ignoring it is sound.
        return call.outcome() == Call.Outcome.FAILED
            ? new Access(name(), Effect.NONE, null, null)
            : new Access(name(), Effect.CAS, v.get(0), v.get(1));
      }
      default -> {
        return null;
      }
    }
  }

  @Override
  public boolean canChangeState(Call call) {
    return !call.f().equals("read");
  }

  @Override
  public String describe(Object s) {
    return s == EMPTY ? "nil" : Op.formatValue(s);
  }

  private static Object toState(@Nullable Object value) {
    // Values are normalised by Op (integers are Long), so equals is value equality.
    return value == null ? EMPTY : value;
  }

  @Override
  public String toString() {
    return "cas-register(initial=" + describe(initial) + ", nil reads " + nilReads + ")";
  }
}
