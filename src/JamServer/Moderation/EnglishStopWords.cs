using System.Collections.Frozen;

namespace JamServer.Moderation;

/// <summary>
/// Words that say nothing about what a post is about: the usual English function words (close to the Snowball
/// list), their contractions with and without the apostrophe, web leftovers, and the jam's own chatter: words that
/// fill every thread whatever its subject (agreement, thanks, hedging, "idea", "think", "jam", "post"). Words that
/// are chatter alone but themes in a phrase ("thinking", "making", "use", "need") are kept.
/// </summary>
internal static class EnglishStopWords
{
    private const string FunctionWords = """
        a about above after again against all am an and any are as at be because been before being below between both
        but by can cannot could did do does doing down during each few for from further had has have having he her
        here hers herself him himself his how i if in into is it its itself me more most my myself no nor not of off on
        once only or other others our ours ourselves out over own same she should so some such than that the their
        theirs them themselves then there these they this those through to too under until up upon very was we were
        what when where which while who whom whose why will with within without would you your yours yourself
        yourselves
        also although among amongst another anyone anybody anything anyway anywhere around away already always
        else elsewhere ever every everyone everybody everything everywhere however instead less many may might much
        must neither never next none nothing now nowhere often onto per quite rather since someone somebody something
        sometime sometimes somewhere still though thus together toward towards unless us via whatever whenever
        whereas wherever whether yet one ones two three first second etc eg ie
        """;

    private const string Contractions = """
        aren't can't couldn't didn't doesn't don't hadn't hasn't haven't he'd he'll he's here's how's i'd i'll i'm
        i've isn't it'd it'll it's let's mightn't mustn't needn't shan't she'd she'll she's shouldn't that's there's
        they'd they'll they're they've wasn't we'd we'll we're we've weren't what's when's where's who's why's won't
        wouldn't you'd you'll you're you've y'all ain't
        arent cant couldnt didnt doesnt dont hadnt hasnt havent hed hes heres hows im ive isnt itd itll lets shes
        shouldnt thats theres theyd theyll theyre theyve wasnt weve werent whats wheres whos wont wouldnt youd youll
        youre youve
        """;

    private const string WebLeftovers = "http https www com org net html";

    private const string JamChatter = """
        think thinks thought really just like likes liked get gets getting got make makes made lot lots thing things
        way ways kind sort good great nice awesome cool agree agreed agreeing disagree totally absolutely definitely
        certainly probably maybe perhaps actually basically simply especially indeed sure yes yeah yep okay ok thanks
        thank thx please hi hello hey dear regards cheers lol idea ideas suggest suggestion suggestions point points
        comment comments post posts posted thread threads reply replies jam question questions answer answers
        say says said see seen know knows want wants going go goes gone come comes came take takes took give gives
        gave put puts keep keeps let seem seems seemed well even back able via etc something someone everyone
        interesting important better best bit love hope wonder guess
        """;

    public static readonly FrozenSet<string> Words =
        string.Join(' ', FunctionWords, Contractions, WebLeftovers, JamChatter)
            .Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)
            .ToFrozenSet(StringComparer.Ordinal);
}
