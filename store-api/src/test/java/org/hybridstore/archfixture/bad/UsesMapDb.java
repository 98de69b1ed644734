package org.hybridstore.archfixture.bad;

/** Breaks the boundaries on purpose: a non-ap class using a MapDB type. */
public final class UsesMapDb {
  void run() {
    org.mapdb.archfixture.FakeMapDbType.touch();
  }
}
