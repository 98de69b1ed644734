package org.hybridstore.chaos.checker.model;

import java.util.List;
import org.jspecify.annotations.Nullable;

/** Small helpers for the value shapes the models accept. */
final class Values {

  private Values() {}

  /**
   * Returns a list value of a given size.
   *
   * @param model the model name, for the message
   * @param call the call
   * @param v the value
   * @param size the expected size
   * @return the list
   * @throws IllegalArgumentException when v is not a list of that size
   */
  static List<?> tuple(String model, Call call, @Nullable Object v, int size) {
    if (v instanceof List<?> l && l.size() == size) {
      return l;
    }
    throw new IllegalArgumentException(
        model + ": expected a " + size + "-element vector in " + call);
  }

  /**
   * Builds the exception for an unsupported function, for the caller to throw.
   *
   * @param model the model name
   * @param call the call
   * @return the exception
   */
  static IllegalArgumentException unsupported(String model, Call call) {
    return new IllegalArgumentException(model + ": unsupported function :" + call.f());
  }
}
