package org.hybridstore.archfixture.bad;

/** Breaks the boundaries on purpose: a non-cp class using a jetcd type. */
public final class UsesJetcd {
  void run() {
    io.etcd.jetcd.archfixture.FakeJetcdType.touch();
  }
}
