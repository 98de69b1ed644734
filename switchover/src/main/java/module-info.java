/**
 * The hybrid store: {@code HybridOrderStore} over an etcd backend and a journal backend, the mode
 * they are in and its MXBean. Only {@code org.hybridstore.switchover} is exported; the state
 * machine, the router and the reconciler in {@code .internal} are not.
 */
module org.hybridstore.switchover {
  requires transitive org.hybridstore.api;
  requires transitive java.management;
  requires io.github.resilience4j.circuitbreaker;
  requires io.github.resilience4j.core;
  requires transitive micrometer.core;
  requires org.slf4j;
  requires static org.jspecify;

  exports org.hybridstore.switchover;
}
