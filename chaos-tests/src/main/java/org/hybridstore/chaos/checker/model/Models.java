package org.hybridstore.chaos.checker.model;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** Looks up the built-in models by their command-line names. */
public final class Models {

  /** The names accepted by {@link #byName}. */
  public static final List<String> NAMES =
      List.of("cas-register", "kv", "multi-register", "mutex", "order-record");

  private Models() {}

  /**
   * Creates a built-in model.
   *
   * @param name one of {@link #NAMES}
   * @param initial the register's initial value (cas-register only), null for empty
   * @param nilReads how nil reads are judged (register models only)
   * @return the model
   * @throws IllegalArgumentException for an unknown name
   */
  public static Model<?> byName(String name, @Nullable Object initial, NilReads nilReads) {
    return switch (name) {
      case "cas-register" -> new CasRegisterModel(initial, nilReads);
      case "kv" -> new KvModel();
      case "multi-register" -> new MultiRegisterModel(nilReads);
      case "mutex" -> new MutexModel();
      case "order-record" -> new OrderRecordModel();
      default ->
          throw new IllegalArgumentException(
              "unknown model " + name + "; expected one of " + NAMES);
    };
  }
}
