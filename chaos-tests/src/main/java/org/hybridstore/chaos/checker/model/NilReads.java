package org.hybridstore.chaos.checker.model;

/** How a read that returned nil is judged by the register models. */
public enum NilReads {
  /** A nil read means the register was empty: it is checked against the state like any read. */
  STRICT,
  /** A nil read matches any state (Knossos, which starts its register at 0). */
  LENIENT
}
