/**
 * {@code lowrank serve}: an OpenAI-compatible HTTP server over one model folder — an ONNX encoder
 * ({@code POST /v1/embeddings}, run by ONNX Runtime, requests arriving together merged into one batch) or a decoder /
 * low-rank decoder folder ({@code POST /v1/completions}, {@code POST /v1/chat/completions}, streamed as server-sent
 * events, run by the JVM runtime of lowrank-nn, optionally with several LoRA adapters over it that requests pick by
 * name), with {@code GET /health} and {@code GET /metrics} (Prometheus text).
 *
 * <p><b>Why Javalin.</b> The server needs plain HTTP/1.1 routes, a streamed response body for server-sent events, a
 * body size limit and a graceful stop — nothing of a framework's dependency injection, configuration files or
 * annotation processing. Javalin (6.7, on Jetty 11, Java 11+) gives exactly that as a library: routes are lambdas
 * registered on one object, the Jetty server underneath stays reachable for the stop sequence, and it starts in well
 * under a second, which keeps the tests fast. Helidon SE would do as well but brings its own Níma/virtual-thread
 * runtime that wants Java 21; bare Jetty would need the routing and error mapping written by hand. Javalin's Kotlin
 * standard library dependency (about 1.7 MB) is the price.
 *
 * <p>Entry point: {@link org.lowrank4j.serve.ModelServer#start}. Everything a client can get wrong is answered with a
 * 4xx and an OpenAI-style body {@code {"error":{"message","type","code"}}} ({@link org.lowrank4j.serve.ApiError}).
 */
package org.lowrank4j.serve;
