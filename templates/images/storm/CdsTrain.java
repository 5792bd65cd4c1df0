// The image build's training topology (cds-train.sh): a word count of
// classes every worker has (org.apache.storm.testing in storm-client), like
// examples/flux/wordcount.yaml, submitted by `storm jar` without Flux (not
// part of the image). Its jar is compiled at image build.
import org.apache.storm.Config;
import org.apache.storm.StormSubmitter;
import org.apache.storm.testing.TestWordCounter;
import org.apache.storm.testing.TestWordSpout;
import org.apache.storm.topology.TopologyBuilder;
import org.apache.storm.tuple.Fields;

public final class CdsTrain {
    public static void main(String[] args) throws Exception {
        TopologyBuilder builder = new TopologyBuilder();
        builder.setSpout("words", new TestWordSpout(), 1);
        builder.setBolt("count", new TestWordCounter(), 1).fieldsGrouping("words", new Fields("word"));
        Config conf = new Config();
        conf.setNumWorkers(1);
        // The worker logs each tuple: the training run sees them flow.
        conf.setDebug(true);
        StormSubmitter.submitTopology(args[0], conf, builder.createTopology());
    }
}
