/**
 * HybridStore's API: the {@code OrderStore} contract, the order model, its codec, the change-feed
 * events and the SPI the backends implement. Every package is exported; the backends and the
 * switchover module export only their entry packages.
 */
module org.hybridstore.api {
  requires transitive com.fasterxml.jackson.databind;
  requires static transitive org.jspecify;

  exports org.hybridstore;
  exports org.hybridstore.codec;
  exports org.hybridstore.event;
  exports org.hybridstore.model;
  exports org.hybridstore.spi;
}
