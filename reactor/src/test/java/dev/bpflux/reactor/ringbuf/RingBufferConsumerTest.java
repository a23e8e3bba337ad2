package dev.bpflux.reactor.ringbuf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.bpflux.reactor.RecordBatch;
import dev.bpflux.reactor.RecordDecoder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The consumer algorithm against {@link SimulatedRing}: no kernel needed. */
class RingBufferConsumerTest {
    private static final RecordDecoder<Long> SEQ = r -> r.getLongLE(r.readerIndex());

    @Test
    void readsRecordsInOrderAcrossManyWrapsWithEveryLength() {
        SimulatedRing ring = new SimulatedRing(4096);
        RingBufferConsumer consumer = ring.consumer();
        List<Long> got = new ArrayList<>();
        long[] tally = new long[2];
        long seq = 0;
        long expectedBytes = 0;
        // lengths 8..200 walk the header through every 8-byte offset of the ring, wrapping it many times
        for (int round = 0; round < 2000; round++) {
            int len = 8 + (round * 37) % 193;
            assertTrue(ring.offer(seq++, len, false));
            expectedBytes += len;
            RecordDecoder<Long> checking = r -> {
                long s = r.getLongLE(r.readerIndex());
                for (int i = 8; i < r.readableBytes(); i++) {
                    assertEquals((byte) s, r.getByte(r.readerIndex() + i), "payload byte " + i + " of record " + s);
                }
                return s;
            };
            consumer.drain(Long.MAX_VALUE, checking, v -> got.add(v), tally);
        }
        assertEquals(2000, got.size());
        for (int i = 0; i < got.size(); i++) {
            assertEquals(i, got.get(i));
        }
        assertEquals(expectedBytes, tally[0]);
        assertEquals(ring.consumerPos(), consumer.consumerPosition());
        assertTrue(!consumer.hasData());
    }

    @Test
    void publishesThePositionOnceWhenTheCallReturns() {
        SimulatedRing ring = new SimulatedRing(4096);
        RingBufferConsumer consumer = ring.consumer();
        long end = 0;
        for (int i = 0; i < 10; i++) {
            ring.offer(i, 16 + 8 * (i % 3), i == 4);
            end += (16 + 8 * (i % 3) + 8 + 7) & ~7;
        }
        List<Long> positionsAtAccept = new ArrayList<>();
        long[] tally = new long[2];
        assertEquals(9, consumer.drain(100, SEQ, v -> positionsAtAccept.add(ring.consumerPos()), tally));
        assertEquals(List.of(0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L), positionsAtAccept);
        assertEquals(end, ring.consumerPos(), "past every record, the discarded one too");
        assertEquals(9, tally[1]);
    }

    @Test
    void aCancelInsideOnNextHandsThePositionPastTheRecordToTheNextReader() {
        // take(n) cancels inside onNext and a repeat() subscribes again before the drain call
        // returns: the new reader must start past the record handed on, and the old one must not
        // publish after it (it would move the position under the new reader)
        SimulatedRing ring = new SimulatedRing(4096);
        RingBufferConsumer first = ring.consumer();
        long[] ends = new long[12];
        long pos = 0;
        for (int i = 0; i < 12; i++) {
            int len = i < 6 ? 16 : 24; // two runs; the cancel comes in the second
            ring.offer(i, len, i == 2);
            pos += (len + 8 + 7) & ~7;
            ends[i] = pos;
        }
        List<Long> fromFirst = new ArrayList<>();
        List<Long> fromSecond = new ArrayList<>();
        long[] positionAtCancel = new long[1];
        first.drain(100, SEQ, v -> {
            fromFirst.add(v);
            if (v == 7) {
                first.relinquish();
                positionAtCancel[0] = ring.consumerPos();
                RingBufferConsumer second = ring.consumer();
                second.drain(3, SEQ, fromSecond::add, new long[2]);
                return false;
            }
            return true;
        }, new long[2]);
        assertEquals(List.of(0L, 1L, 3L, 4L, 5L, 6L, 7L), fromFirst);
        assertEquals(ends[7], positionAtCancel[0]);
        assertEquals(List.of(8L, 9L, 10L), fromSecond);
        assertEquals(ends[10], ring.consumerPos(), "the second reader's position, not overwritten by the first");
    }

    @Test
    void aCancelInsideABatchCommitsTheBatchAndNothingAfter() {
        SimulatedRing ring = new SimulatedRing(4096);
        RingBufferConsumer first = ring.consumer();
        for (int i = 0; i < 8; i++) {
            ring.offer(i, 16, false);
        }
        RecordBatch batch = first.takeBatch(4);
        assertEquals(4, batch.size());
        first.relinquish();
        assertEquals(4 * 24, ring.consumerPos(), "the batch handed on is consumed");
        RingBufferConsumer second = ring.consumer();
        List<Long> got = new ArrayList<>();
        second.drain(2, SEQ, got::add, new long[2]);
        first.commitBatch();
        assertEquals(List.of(4L, 5L), got);
        assertEquals(6 * 24, ring.consumerPos(), "commitBatch after relinquish publishes nothing");
    }

    @Test
    void stopsAtABusyRecordAndResumesAfterCommit() {
        SimulatedRing ring = new SimulatedRing(4096);
        RingBufferConsumer consumer = ring.consumer();
        ring.offer(0, 16, false);
        long busy = ring.reserve(16);
        ring.putLong(busy, 0, 1);
        ring.offer(2, 16, false); // committed, but behind a busy record: must wait
        List<Long> got = new ArrayList<>();
        long[] tally = new long[2];
        assertEquals(1, consumer.drain(100, SEQ, v -> got.add(v), tally));
        assertEquals(24, ring.consumerPos(), "consumer position stops before the busy record");
        assertTrue(consumer.hasData());
        ring.commit(busy, 16, false);
        assertEquals(2, consumer.drain(100, SEQ, v -> got.add(v), tally));
        assertEquals(List.of(0L, 1L, 2L), got);
    }

    @Test
    void skipsDiscardedRecordsAndCountsThem() {
        SimulatedRing ring = new SimulatedRing(4096);
        RingBufferConsumer consumer = ring.consumer();
        for (int i = 0; i < 30; i++) {
            ring.offer(i, 16, i % 3 == 2);
        }
        List<Long> got = new ArrayList<>();
        assertEquals(20, consumer.drain(100, SEQ, v -> got.add(v), new long[2]));
        assertEquals(10, consumer.discarded());
        assertTrue(got.stream().noneMatch(s -> s % 3 == 2));
        assertEquals(30 * 24, ring.consumerPos());
    }

    @Test
    void emitsNoMoreThanTheLimitAndConsumesNoMore() {
        SimulatedRing ring = new SimulatedRing(4096);
        RingBufferConsumer consumer = ring.consumer();
        for (int i = 0; i < 10; i++) {
            ring.offer(i, 16, false);
        }
        List<Long> got = new ArrayList<>();
        assertEquals(3, consumer.drain(3, SEQ, v -> got.add(v), new long[2]));
        assertEquals(3 * 24, ring.consumerPos());
        assertEquals(List.of(0L, 1L, 2L), got);
    }

    @Test
    void aSinkThatStopsEndsTheDrainAfterTheRecordItTook() {
        SimulatedRing ring = new SimulatedRing(4096);
        RingBufferConsumer consumer = ring.consumer();
        for (int i = 0; i < 10; i++) {
            ring.offer(i, 16, false);
        }
        List<Long> got = new ArrayList<>();
        assertEquals(4, consumer.drain(100, SEQ, v -> got.add(v) && got.size() < 4, new long[2]));
        assertEquals(4 * 24, ring.consumerPos());
    }

    @Test
    void aThrowingDecoderLeavesItsRecordUnconsumed() {
        SimulatedRing ring = new SimulatedRing(4096);
        RingBufferConsumer consumer = ring.consumer();
        for (int i = 0; i < 6; i++) {
            ring.offer(i, i < 2 ? 24 : 16, false); // a run of two, then the failure inside the next run
        }
        RecordDecoder<Long> failOnFour = r -> {
            long s = r.getLongLE(r.readerIndex());
            if (s == 4) {
                throw new IllegalStateException("bad record " + s);
            }
            return s;
        };
        List<Long> got = new ArrayList<>();
        long[] tally = new long[2];
        assertThrows(IllegalStateException.class, () -> consumer.drain(100, failOnFour, v -> got.add(v), tally));
        assertEquals(List.of(0L, 1L, 2L, 3L), got);
        assertEquals(2 * 32 + 2 * 24, ring.consumerPos());
        assertEquals(2 * 32 + 2 * 24, consumer.consumerPosition());
        assertEquals(4, tally[1], "the records emitted before the throw are counted");
        assertEquals(2 * 24 + 2 * 16, tally[0]);
    }

    @Test
    void aBatchActionThatThrowsLeavesTheBatchUpToTheRecordItSaw() {
        SimulatedRing ring = new SimulatedRing(4096);
        RingBufferConsumer consumer = ring.consumer();
        for (int i = 0; i < 6; i++) {
            ring.offer(i, i < 2 ? 24 : 16, false);
        }
        RecordBatch batch = consumer.takeBatch(100);
        List<Long> seen = new ArrayList<>();
        assertThrows(IllegalStateException.class, () -> batch.forEach(r -> {
            long s = r.getLongLE(r.readerIndex());
            if (s == 4) {
                throw new IllegalStateException("bad record " + s);
            }
            seen.add(s);
        }));
        assertEquals(List.of(0L, 1L, 2L, 3L), seen);
        assertEquals(4, batch.size());
        assertEquals(2 * 24 + 2 * 16, batch.bytes());
        consumer.commitBatch();
        assertEquals(2 * 32 + 2 * 24, ring.consumerPos(), "the failing record stays unconsumed");
    }

    @Test
    void aViewReleasedByMistakeDoesNotBreakTheNextRecord() {
        SimulatedRing ring = new SimulatedRing(4096);
        RingBufferConsumer consumer = ring.consumer();
        ring.offer(0, 16, false);
        ring.offer(1, 16, false);
        List<Long> got = new ArrayList<>();
        consumer.drain(100, r -> {
            long s = r.getLongLE(r.readerIndex());
            r.release();
            return s;
        }, v -> got.add(v), new long[2]);
        assertEquals(List.of(0L, 1L), got);
    }

    @Test
    void batchesPublishTheConsumerPositionOnceAfterTheBatch() {
        SimulatedRing ring = new SimulatedRing(8192);
        RingBufferConsumer consumer = ring.consumer();
        for (int i = 0; i < 100; i++) {
            ring.offer(i, 8 + (i % 5) * 8, i % 10 == 9);
        }
        RecordBatch first = consumer.takeBatch(50);
        assertEquals(50, first.size());
        assertEquals(0, ring.consumerPos(), "nothing published before commit");
        List<Long> got = new ArrayList<>();
        first.forEach(r -> got.add(r.getLongLE(r.readerIndex())));
        consumer.commitBatch();
        assertTrue(ring.consumerPos() > 0);
        RecordBatch second = consumer.takeBatch(1000);
        assertSame(first, second, "the batch object is reused");
        second.decodeEach(SEQ, got::add);
        consumer.commitBatch();
        assertNull(consumer.takeBatch(10));
        assertEquals(90, got.size());
        long expect = 0;
        for (long s : got) {
            if (expect % 10 == 9) {
                expect++;
            }
            assertEquals(expect++, s);
        }
    }

    @Test
    void aRingFullOfDiscardsIsConsumedWithoutABatch() {
        SimulatedRing ring = new SimulatedRing(4096);
        RingBufferConsumer consumer = ring.consumer();
        for (int i = 0; i < 5; i++) {
            ring.offer(i, 16, true);
        }
        assertNull(consumer.takeBatch(10));
        assertEquals(5 * 24, ring.consumerPos());
        assertEquals(5, consumer.discarded());
    }

    @Test
    void aConcurrentProducerIsReadCompletelyAndInOrder() throws Exception {
        SimulatedRing ring = new SimulatedRing(1 << 14);
        RingBufferConsumer consumer = ring.consumer();
        int total = 200_000;
        Thread producer = new Thread(() -> {
            for (int i = 0; i < total; ) {
                if (ring.offer(i, 8 + (i % 7) * 8, false)) {
                    i++;
                } else {
                    Thread.onSpinWait();
                }
            }
        });
        producer.start();
        long[] next = {0};
        long[] tally = new long[2];
        while (next[0] < total) {
            consumer.drain(Long.MAX_VALUE, SEQ, v -> {
                assertEquals(next[0]++, v);
                return true;
            }, tally);
        }
        producer.join();
        assertEquals(total, next[0]);
    }
}
