package org.hybridstore.archfixture.bad;

/** Breaks the boundaries on purpose: another module reaching into cp-backend's internals. */
public final class UsesCpInternal {
  void run() {
    org.hybridstore.cp.internal.archfixture.FakeInternal.touch();
  }
}
