package org.hybridstore.chaos.checker.model;

import org.jspecify.annotations.Nullable;

/**
 * Implemented by models whose calls read and overwrite whole values of independent registers, so
 * that the linearizability checker's pre-pass can prove the common violations (a read of an
 * overwritten value, a read of a value nobody wrote) without a search.
 *
 * <p>The pre-pass relies on these semantics, which the model's {@link Model#step} must have:
 *
 * <ul>
 *   <li>every register starts at {@link #initialValue()};
 *   <li>{@link Effect#READ}: an OK read returns {@code observed} only when the register holds it;
 *   <li>{@link Effect#WRITE}: the register becomes {@code value};
 *   <li>{@link Effect#CAS}: an OK cas found {@code observed} and installed {@code value}; a cas
 *       with unknown outcome installs {@code value} or does nothing;
 *   <li>{@link Effect#APPEND}: the register (a string, initially {@code ""} here) becomes the old
 *       string followed by {@code value};
 *   <li>{@link Effect#NONE}: the call neither changes nor constrains the register as far as the
 *       pre-pass needs to know (a failed write, a read with unknown outcome, a lenient nil read;
 *       ignoring a constraint keeps the pre-pass sound).
 * </ul>
 *
 * Values are compared with {@code equals}; null is nil.
 */
public interface RegisterLike {

  /** What a call does to its register. */
  enum Effect {
    /** Neither changes nor constrains the register. */
    NONE,
    /** Returns the register's value. */
    READ,
    /** Replaces the register's value. */
    WRITE,
    /** Replaces the value if it equals the expected one. */
    CAS,
    /** Appends a string to the register's string. */
    APPEND
  }

  /**
   * One call as the pre-pass sees it.
   *
   * @param register which register the call touches (equal objects for the same register)
   * @param effect what the call does
   * @param observed for READ the value read, for CAS the expected value; null means nil
   * @param value for WRITE and CAS the value installed, for APPEND the suffix
   */
  record Access(
      Object register, Effect effect, @Nullable Object observed, @Nullable Object value) {}

  /**
   * Returns the value every register starts with.
   *
   * @return the initial value, null for nil
   */
  @Nullable Object initialValue();

  /**
   * Describes a call.
   *
   * @param call a call of this model
   * @return what it does, or null when the pre-pass must not reason about this call's partition
   *     (for example a function the model does not know; the search will report it)
   */
  @Nullable Access access(Call call);
}
