/**
 * The etcd backend: {@code EtcdBackendFactory} builds the SPI's etcd side over gRPC. Only {@code
 * org.hybridstore.cp} is exported; the gRPC plumbing in {@code .internal} is not.
 */
module org.hybridstore.cp {
  requires transitive org.hybridstore.api;
  requires jetcd.grpc;
  requires jetcd.common;
  requires io.grpc;
  requires io.grpc.netty;
  requires io.grpc.stub;
  requires com.google.protobuf;
  requires io.netty.transport;
  requires io.netty.handler;
  requires io.github.resilience4j.core;
  requires org.slf4j;
  requires static org.jspecify;

  exports org.hybridstore.cp;
}
