/*
 * Load generator for bench/broker/run.ts: librdkafka's producer and consumer driven
 * from C, so that the client costs a fraction of a core and the broker is what is
 * measured. Built at bench time: gcc -O2 rdkafka-load.c -lrdkafka (Debian librdkafka-dev).
 *
 *   rdkafka-load produce <bootstrap> <topic> <partitions> <count> <size> [key=value ...]
 *   rdkafka-load consume <bootstrap> <topic> <partitions> <count> [key=value ...]   timed from the first message
 *   rdkafka-load write   <host> <port> <bytes> <chunk>   raw TCP: write bytes, wait for a 1-byte reply
 *   rdkafka-load read    <host> <port>                   raw TCP: read to end of stream
 *
 * key=value pairs are librdkafka configuration properties. Each mode prints one JSON
 * line: {"msgs":..,"bytes":..,"seconds":..,"errors":..,"cpu_seconds":..}; bytes are
 * message value bytes for produce/consume, stream bytes for write/read.
 */
#include <arpa/inet.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long delivered = 0;
static long failed = 0;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void report(long msgs, double bytes, double seconds, long errors) {
  printf("{\"msgs\":%ld,\"bytes\":%.0f,\"seconds\":%.6f,\"errors\":%ld,\"cpu_seconds\":%.3f}\n",
         msgs, bytes, seconds, errors, cpu_seconds());
  fflush(stdout);
}

static void die(const char *what, const char *detail) {
  fprintf(stderr, "rdkafka-load: %s: %s\n", what, detail);
  exit(1);
}

static rd_kafka_conf_t *make_conf(const char *bootstrap, int argc, char **argv) {
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap, err, sizeof err) != RD_KAFKA_CONF_OK) die("config", err);
  for (int i = 0; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (eq == NULL) die("expected key=value", argv[i]);
    *eq = '\0';
    if (rd_kafka_conf_set(conf, argv[i], eq + 1, err, sizeof err) != RD_KAFKA_CONF_OK) die("config", err);
  }
  return conf;
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  (void)opaque;
  if (m->err) {
    if (failed++ < 5) fprintf(stderr, "delivery failed: %s\n", rd_kafka_err2str(m->err));
  } else {
    delivered++;
  }
}

static int produce(int argc, char **argv) {
  if (argc < 5) die("usage", "produce <bootstrap> <topic> <partitions> <count> <size> [key=value ...]");
  const char *topic = argv[1];
  int partitions = atoi(argv[2]);
  long count = atol(argv[3]);
  size_t size = (size_t)atol(argv[4]);
  char err[512];
  rd_kafka_conf_t *conf = make_conf(argv[0], argc - 5, argv + 5);
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (rk == NULL) die("producer", err);
  char *payload = malloc(size);
  for (size_t i = 0; i < size; i++) payload[i] = (char)('a' + i % 26);

  double start = now();
  for (long i = 0; i < count; i++) {
    for (;;) {
      rd_kafka_resp_err_t e = rd_kafka_producev(rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION((int32_t)(i % partitions)),
                                                RD_KAFKA_V_VALUE(payload, size), RD_KAFKA_V_END);
      if (e == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) die("produce", rd_kafka_err2str(e));
      rd_kafka_poll(rk, 1);
    }
    if ((i & 1023) == 0) rd_kafka_poll(rk, 0);
  }
  rd_kafka_resp_err_t fe = rd_kafka_flush(rk, 120 * 1000);
  double seconds = now() - start;
  if (fe != RD_KAFKA_RESP_ERR_NO_ERROR) die("flush", rd_kafka_err2str(fe));
  report(delivered, (double)delivered * size, seconds, count - delivered);
  rd_kafka_destroy(rk);
  free(payload);
  return failed == 0 && delivered == count ? 0 : 1;
}

static int consume(int argc, char **argv) {
  if (argc < 4) die("usage", "consume <bootstrap> <topic> <partitions> <count> [key=value ...]");
  const char *topic = argv[1];
  int partitions = atoi(argv[2]);
  long count = atol(argv[3]);
  char err[512];
  rd_kafka_conf_t *conf = make_conf(argv[0], argc - 4, argv + 4);
  /* Assigned partitions, no group membership; the group id only satisfies the consumer's config. */
  rd_kafka_conf_set(conf, "group.id", "rdkafka-load", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.commit", "false", err, sizeof err);
  rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", err, sizeof err);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (rk == NULL) die("consumer", err);
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; p++) rd_kafka_topic_partition_list_add(parts, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;

  /* The clock starts at the first message: connecting, metadata and ListOffsets are not throughput. */
  double start = 0;
  rd_kafka_resp_err_t ae = rd_kafka_assign(rk, parts);
  if (ae != RD_KAFKA_RESP_ERR_NO_ERROR) die("assign", rd_kafka_err2str(ae));
  long msgs = 0;
  long errors = 0;
  double bytes = 0;
  double idle_since = now();
  while (msgs < count) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
    if (m == NULL) {
      if (now() - idle_since > 30) die("consume", "no message for 30 s");
      continue;
    }
    idle_since = now();
    if (m->err) {
      if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF && errors++ < 5) fprintf(stderr, "consume error: %s\n", rd_kafka_message_errstr(m));
    } else {
      if (msgs == 0) start = now();
      msgs++;
      bytes += m->len;
    }
    rd_kafka_message_destroy(m);
  }
  double seconds = now() - start;
  report(msgs, bytes, seconds, errors);
  rd_kafka_topic_partition_list_destroy(parts);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return 0;
}

static int dial(const char *host, const char *port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port))};
  if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1) die("socket", host);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) die("connect", port);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

/* The Node sink's reference: the same bytes a producer would send, written as fast as the reader takes them. */
static int raw_write(int argc, char **argv) {
  if (argc < 4) die("usage", "write <host> <port> <bytes> <chunk>");
  double total = atof(argv[2]);
  size_t chunk = (size_t)atol(argv[3]);
  char *buf = malloc(chunk);
  memset(buf, 'x', chunk);
  int fd = dial(argv[0], argv[1]);
  double start = now();
  double sent = 0;
  while (sent < total) {
    size_t n = total - sent < chunk ? (size_t)(total - sent) : chunk;
    ssize_t w = write(fd, buf, n);
    if (w <= 0) die("write", "short write");
    sent += w;
  }
  char ack;
  if (read(fd, &ack, 1) != 1) die("read", "no acknowledgement from the sink");
  report(0, sent, now() - start, 0);
  close(fd);
  free(buf);
  return 0;
}

static int raw_read(int argc, char **argv) {
  if (argc < 2) die("usage", "read <host> <port>");
  static char buf[1 << 20];
  int fd = dial(argv[0], argv[1]);
  double start = now();
  double got = 0;
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0) die("read", "error");
    if (r == 0) break;
    got += r;
  }
  report(0, got, now() - start, 0);
  close(fd);
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 2) die("usage", "produce | consume | write | read");
  if (strcmp(argv[1], "produce") == 0) return produce(argc - 2, argv + 2);
  if (strcmp(argv[1], "consume") == 0) return consume(argc - 2, argv + 2);
  if (strcmp(argv[1], "write") == 0) return raw_write(argc - 2, argv + 2);
  if (strcmp(argv[1], "read") == 0) return raw_read(argc - 2, argv + 2);
  die("unknown mode", argv[1]);
  return 2;
}
